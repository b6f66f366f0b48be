// The API-server stand-in (test/support/apiserver-standin.ts) loaded with the
// recorded PodList / NamespaceList JSON (testdata/*.json) and watch events
// (testdata/*.ndjson) of the k8s_attributes tests; pods also honour the
// `spec.nodeName` field selector as the real server does.
import { readFileSync } from 'node:fs';
import { ApiServerStandin as Base } from '../../../test/support/apiserver-standin.js';

export type { Recorded } from '../../../test/support/apiserver-standin.js';

export const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'));
/** The lines of an .ndjson fixture, as sent on the wire. */
export const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(name, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

const PODS = '/api/v1/pods';
const NAMESPACES = '/api/v1/namespaces';

export class ApiServerStandin extends Base {
  constructor(tls?: { cert: Buffer; key: Buffer }) {
    super(tls);
    this.podList = fixture('pods-list.json');
    this.namespaceList = fixture('namespaces-list.json');
  }

  /** The list the next GET /api/v1/pods returns (before fieldSelector). */
  get podList(): any {
    return this.lists.get(PODS);
  }
  set podList(list: any) {
    this.lists.set(PODS, list);
  }
  get namespaceList(): any {
    return this.lists.get(NAMESPACES);
  }
  set namespaceList(list: any) {
    this.lists.set(NAMESPACES, list);
  }

  /** Open pod watches. */
  get podWatches(): number {
    return this.watchesOf(PODS).length;
  }

  /** Writes raw event lines to every open pod watch. */
  send(...lines: string[]): void {
    this.sendTo(PODS, ...lines);
  }

  /**
   * Writes one event line in two chunks, split inside the first multi-byte
   * UTF-8 character (a chunk boundary can fall anywhere).
   */
  async sendSplit(line: string): Promise<void> {
    const bytes = Buffer.from(`${line}\n`);
    const at = bytes.findIndex((b) => b >= 0x80) + 1;
    if (at <= 0) throw new Error('line has no multi-byte character');
    const watches = this.watchesOf(PODS);
    for (const res of watches) res.write(bytes.subarray(0, at));
    await new Promise((r) => setTimeout(r, 50)); // let the first part arrive on its own
    for (const res of watches) res.write(bytes.subarray(at));
  }

  protected override select(url: URL, items: any[]): any[] | string {
    const selector = url.searchParams.get('fieldSelector');
    if (!selector) return super.select(url, items);
    const node = /^spec\.nodeName=([^,]+)$/.exec(selector)?.[1];
    if (!node || url.pathname !== PODS) return `field label not supported: ${selector}`;
    return items.filter((p: any) => p.spec?.nodeName === node);
  }
}
