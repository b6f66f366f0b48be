// The on-disk record of the log store. A file is MAGIC followed by records:
//   u32 body length | u32 crc32(body) | body
//   body = u32 op count, then per op: u8 kind (1 set, 2 delete), u32 key
//   length, key (utf-8), and for a set u32 value length, value.
// One record is one atomic batch: a torn or corrupt record (crash mid-write)
// fails its length or checksum and is cut off on open with everything after it.
import type { StorageOp } from '../../src/component/storage.js';
import { crc32 } from './crc32.js';

export const MAGIC = Buffer.from('TSUNAGI-KV1\n');
const SET = 1;
const DELETE = 2;
/** Upper bound on one record (sanity check against garbage lengths). */
const MAX_RECORD = 1 << 30;

/**
 * Values from this size on are written from their own buffer, not copied into
 * the record, and the store keeps only their place in the file (log-store.ts).
 */
export const LARGE_VALUE = 4096;

/**
 * A record as the chunks to write, in order: framing and small values in one
 * buffer, large values (persistent queue batches) by reference, so a batch is
 * not copied once more on its way to disk. The checksum runs over the chunks.
 */
export function encodeRecordParts(ops: readonly StorageOp[]): {
  parts: Uint8Array[];
  length: number;
  /** Per op, where its value starts in the record (-1 for a delete). */
  valueAt: number[];
} {
  let frame = 8 + 4;
  const keys: Buffer[] = [];
  for (const o of ops) {
    const k = Buffer.from(o.key, 'utf8');
    keys.push(k);
    frame += 5 + k.length;
    if (o.op === 'set') frame += 4 + (o.value.length < LARGE_VALUE ? o.value.length : 0);
  }
  const head = Buffer.allocUnsafe(frame);
  const parts: Uint8Array[] = [];
  const valueAt: number[] = [];
  let start = 0; // start of the part of `head` not yet in `parts`
  let p = 8;
  let size = 4;
  head.writeUInt32LE(ops.length, p);
  p += 4;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    head[p++] = o.op === 'set' ? SET : DELETE;
    head.writeUInt32LE(keys[i].length, p);
    p += 4;
    keys[i].copy(head, p);
    p += keys[i].length;
    size += 5 + keys[i].length;
    if (o.op !== 'set') valueAt.push(-1);
    else {
      head.writeUInt32LE(o.value.length, p);
      p += 4;
      valueAt.push(8 + size + 4);
      size += 4 + o.value.length;
      if (o.value.length < LARGE_VALUE) {
        head.set(o.value, p);
        p += o.value.length;
      } else {
        parts.push(head.subarray(start, p), o.value);
        start = p;
      }
    }
  }
  if (p > start) parts.push(head.subarray(start, p));
  head.writeUInt32LE(size, 0);
  let crc = crc32(parts[0].subarray(8));
  for (let i = 1; i < parts.length; i++) crc = crc32(parts[i], crc);
  head.writeUInt32LE(crc, 4);
  return { parts, length: 8 + size, valueAt };
}

export interface ReplayResult {
  /** Byte offset just past the last intact record. */
  goodLength: number;
  records: number;
}

/**
 * Applies every intact record of `buf` (after MAGIC) in order; stops at the
 * first bad one. Values are views into `buf`.
 */
export function replay(buf: Buffer, apply: (ops: StorageOp[]) => void): ReplayResult {
  let p = MAGIC.length;
  let records = 0;
  while (p + 8 <= buf.length) {
    const len = buf.readUInt32LE(p);
    if (len < 4 || len > MAX_RECORD || p + 8 + len > buf.length) break;
    const body = buf.subarray(p + 8, p + 8 + len);
    if (crc32(body) !== buf.readUInt32LE(p + 4)) break;
    const ops = decodeBody(body);
    if (!ops) break;
    apply(ops);
    records++;
    p += 8 + len;
  }
  return { goodLength: p, records };
}

function decodeBody(b: Buffer): StorageOp[] | undefined {
  const n = b.readUInt32LE(0);
  const ops: StorageOp[] = [];
  let p = 4;
  for (let i = 0; i < n; i++) {
    if (p + 5 > b.length) return undefined;
    const kind = b[p++];
    const kl = b.readUInt32LE(p);
    p += 4;
    if (p + kl > b.length) return undefined;
    const key = b.toString('utf8', p, p + kl);
    p += kl;
    if (kind === SET) {
      if (p + 4 > b.length) return undefined;
      const vl = b.readUInt32LE(p);
      p += 4;
      if (p + vl > b.length) return undefined;
      // A view into the replay buffer: the caller copies what it keeps (log-store.ts).
      ops.push({ op: 'set', key, value: b.subarray(p, p + vl) });
      p += vl;
    } else if (kind === DELETE) {
      ops.push({ op: 'delete', key });
    } else {
      return undefined;
    }
  }
  return p === b.length ? ops : undefined;
}
