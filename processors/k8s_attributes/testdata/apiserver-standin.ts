// The k8s_attributes tests' view of the shared kube-apiserver stand-in
// (test/support/apiserver-standin.ts): recorded PodList / NamespaceList
// fixtures (testdata/*.json) and watch events (testdata/*.ndjson) for pods.
import { readFileSync } from 'node:fs';
import { KubeApiStandin } from '../../../test/support/apiserver-standin.js';

export type { Recorded } from '../../../test/support/apiserver-standin.js';

export const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'));
/** The lines of an .ndjson fixture, as sent on the wire. */
export const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(name, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

export class ApiServerStandin extends KubeApiStandin {
  constructor(tls?: { cert: Buffer; key: Buffer }) {
    super(tls);
    this.lists.set('pods', fixture('pods-list.json'));
    this.lists.set('namespaces', fixture('namespaces-list.json'));
  }

  /** The list the next GET /api/v1/pods returns (before fieldSelector). */
  get podList(): any {
    return this.lists.get('pods');
  }
  set podList(list: any) {
    this.lists.set('pods', list);
  }

  /** Open pod watches. */
  get podWatches(): number {
    return this.watches('pods');
  }

  /** Writes raw event lines to every open pod watch. */
  send(...lines: string[]): void {
    this.sendRaw('pods', ...lines);
  }

  /**
   * Writes one event line in two chunks, split inside the first multi-byte
   * UTF-8 character (a chunk boundary can fall anywhere).
   */
  async sendSplit(line: string): Promise<void> {
    const bytes = Buffer.from(`${line}\n`);
    const at = bytes.findIndex((b) => b >= 0x80) + 1;
    if (at <= 0) throw new Error('line has no multi-byte character');
    const watches = this.watchResponses('pods');
    for (const res of watches) res.write(bytes.subarray(0, at));
    await new Promise((r) => setTimeout(r, 50)); // let the first part arrive on its own
    for (const res of watches) res.write(bytes.subarray(at));
  }
}
