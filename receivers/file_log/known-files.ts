// The checkpoint table: fingerprint → offset for every file read so far
// (active readers and finished ones), persisted as one storage key, plus a
// small overlay key with the offsets acknowledged since that table was
// written (written after every accepted batch; the table at most once a second).
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

/** The storage keys: the table, and the overlay of offsets acknowledged since it was written. */
export const CHECKPOINT_KEYS = { table: 'file_log.checkpoints', offsets: 'file_log.offsets' } as const;
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

/** One file's persisted checkpoint. */
export type Checkpoint = { fp: Buffer; offset: number; path: string };

export function encodeCheckpoint(files: Checkpoint[]): Uint8Array {
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
  return mergeCheckpoint(await client.get(CHECKPOINT_KEYS.table), await client.get(CHECKPOINT_KEYS.offsets));
}

/** The table with the overlay applied (an overlay entry replaces the table's entry for its file, or is added). */
export function mergeCheckpoint(table?: Uint8Array, overlay?: Uint8Array): KnownFile[] | undefined {
  if (!table && !overlay) return undefined;
  const files = table ? decodeCheckpoint(table) : [];
  for (const o of overlay ? decodeCheckpoint(overlay) : []) {
    const i = files.findIndex((f) => sameFile(o.fp, f.fp) || sameFile(f.fp, o.fp));
    if (i >= 0) files[i] = o;
    else files.push(o);
  }
  return files;
}

/** Writes the whole table and drops the overlay, in one atomic storage batch. */
export async function saveCheckpoint(client: StorageClient, files: Checkpoint[]): Promise<void> {
  await client.batch([
    { op: 'set', key: CHECKPOINT_KEYS.table, value: encodeCheckpoint(files) },
    { op: 'delete', key: CHECKPOINT_KEYS.offsets },
  ]);
}

/** Writes the overlay: the offsets acknowledged since the table was last written (always newer than it). */
export async function saveOffsets(client: StorageClient, files: Checkpoint[]): Promise<void> {
  await client.batch([{ op: 'set', key: CHECKPOINT_KEYS.offsets, value: encodeCheckpoint(files) }]);
}
