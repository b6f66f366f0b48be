// The checkpoint table: fingerprint → offset for every file read so far
// (active readers and finished ones), persisted as one storage key.
import type { StorageClient } from '../../src/component/storage.js';
import { sameFile } from './fingerprint.js';

export interface KnownFile {
  fp: Buffer;
  offset: number;
  path: string;
  /** ms since epoch when last touched (eviction order). */
  seen: number;
  /** dev:ino of the file when it was closed in this run (not persisted). */
  key?: string;
  /**
   * The file is known not to need a search among the siblings of `path`
   * (it was finished after a rotation, or was searched for once). Not persisted.
   */
  searched?: boolean;
}

const KEY = 'file_log.checkpoints';
const KEEP_MS = 3_600_000;

export class KnownFiles {
  private list: KnownFile[] = [];
  constructor(private readonly max: number) {}

  get size(): number {
    return this.list.length;
  }

  /** Removes and returns the entry whose fingerprint the file starts with (longest match). */
  take(fp: Buffer): KnownFile | undefined {
    let best = -1;
    for (let i = 0; i < this.list.length; i++) {
      const k = this.list[i];
      if (sameFile(fp, k.fp) && (best < 0 || k.fp.length > this.list[best].fp.length)) best = i;
    }
    if (best < 0) return undefined;
    return this.list.splice(best, 1)[0];
  }

  remove(k: KnownFile): void {
    const i = this.list.indexOf(k);
    if (i >= 0) this.list.splice(i, 1);
  }

  matches(fp: Buffer): boolean {
    return this.list.some((k) => sameFile(fp, k.fp));
  }

  add(k: KnownFile): void {
    // finished files are remembered for an hour (a rotated file that came back into the
    // include glob later would be read again); the table is persisted on every checkpoint
    const cutoff = Date.now() - KEEP_MS;
    this.list = this.list.filter(
      (o) => o.seen >= cutoff && !(o.fp.length === k.fp.length && o.fp.equals(k.fp)),
    );
    this.list.push(k);
    if (this.list.length > this.max) {
      this.list.sort((a, b) => a.seen - b.seen);
      this.list.splice(0, this.list.length - this.max);
    }
  }

  entries(): readonly KnownFile[] {
    return this.list;
  }
}

export function encodeCheckpoint(files: { fp: Buffer; offset: number; path: string }[]): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      files: files.map((f) => ({ fp: f.fp.toString('base64'), offset: f.offset, path: f.path })),
    }),
  );
}

export function decodeCheckpoint(data: Uint8Array): KnownFile[] {
  const o = JSON.parse(Buffer.from(data).toString('utf8')) as {
    v: number;
    files: { fp: string; offset: number; path: string }[];
  };
  if (o.v !== 1 || !Array.isArray(o.files)) throw new Error('unknown checkpoint format');
  const now = Date.now();
  return o.files.map((f) => ({ fp: Buffer.from(f.fp, 'base64'), offset: f.offset, path: f.path, seen: now }));
}

export async function loadCheckpoint(client: StorageClient): Promise<KnownFile[] | undefined> {
  const data = await client.get(KEY);
  return data ? decodeCheckpoint(data) : undefined;
}

export async function saveCheckpoint(
  client: StorageClient,
  files: { fp: Buffer; offset: number; path: string }[],
): Promise<void> {
  await client.batch([{ op: 'set', key: KEY, value: encodeCheckpoint(files) }]);
}
