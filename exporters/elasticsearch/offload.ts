// Building _bulk bodies on a worker thread (src/exporterhelper/encode-pool.ts):
// the main thread hands the batch over as OTLP protobuf bytes, the worker decodes
// it and runs the same BulkBuilder, and the bodies come back as transferred
// buffers with their per-document offsets, so per-document retries, 413 splits
// and the dead-letter index work on them exactly as on an in-thread build.
// The pdata item behind each document (for retryData) is found again on the main
// thread by its position in the batch: the worker says whether its refs follow
// the batch's item order (they do today) or gives each ref's position.

import type { TransferListItem } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { RequestContext } from '../../src/component/consumer.js';
import type { EncodePool } from '../../src/exporterhelper/encode-pool.js';
import type { EncodeResult } from '../../src/exporterhelper/encode-worker.js';
import { otlpBatchCodec } from '../../src/exporterhelper/otlp-codec.js';
import { TimeSlice } from '../../src/exporterhelper/time-slice.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import { type BuildResult, BulkBuilder, RefList, WIRE_ITEM } from './builder.js';
import { BulkChunk } from './bulk-body.js';
import type { ElasticsearchConfig } from './config.js';

/** The encoder's name in the worker entry (app/encode-worker.ts). */
export const ES_ENCODER = 'elasticsearch.bulk';

export type OffloadSignal = 'logs' | 'traces';

export interface OffloadInput {
  /** One exporter instance: the worker keeps one builder per key. */
  key: string;
  cfg: ElasticsearchConfig;
  signal: OffloadSignal;
  bytes: Uint8Array;
  metadata?: Record<string, string[]>;
}

interface WireChunk {
  buf: ArrayBuffer;
  len: number;
  n: number;
  starts: Int32Array<ArrayBuffer>;
  srcs: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  refs: Int32Array<ArrayBuffer>;
  /** Per document: its index name, as a position in OffloadOutput.names. */
  indexIds: Int32Array;
  /** The body gzipped as the sender would (compression: gzip). */
  gz?: ArrayBuffer;
}

export interface OffloadOutput {
  chunks: WireChunk[];
  names: string[];
  rejected: { ref: number; reason: string }[];
  /** Number of refs. */
  items: number;
  /** Each ref's item position in the batch; absent when ref k is the k-th item. */
  positions?: Int32Array;
}

const builders = new Map<string, BulkBuilder>();
/** Exporters rebuilt by config reloads leave keys behind: bounded. */
const MAX_BUILDERS = 64;

/** Worker side: decode, build, and return the bodies (moved, not copied). */
export async function buildOffloaded(input: OffloadInput): Promise<EncodeResult> {
  let builder = builders.get(input.key);
  if (!builder) {
    if (builders.size >= MAX_BUILDERS) builders.clear();
    builder = new BulkBuilder(input.cfg);
    builders.set(input.key, builder);
  }
  const ctx: RequestContext | undefined = input.metadata ? { metadata: input.metadata } : undefined;
  // a worker has no senders to answer: one slice for the whole batch
  const slice = new TimeSlice(Number.POSITIVE_INFINITY);
  const data = otlpBatchCodec.decode(input.signal, input.bytes, true);
  const built =
    input.signal === 'logs'
      ? await builder.logs(data as LogsData, ctx, slice)
      : await builder.traces(data as TracesData, ctx, slice);

  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const transfer: TransferListItem[] = [];
  const chunks = built.chunks.map((c): WireChunk => {
    const indexIds = new Int32Array(c.n);
    for (let k = 0; k < c.n; k++) {
      const name = c.indices[k];
      let id = nameIds.get(name);
      if (id === undefined) {
        id = names.push(name) - 1;
        nameIds.set(name, id);
      }
      indexIds[k] = id;
    }
    // compressed here too: its stream callbacks would otherwise run on the main thread
    const gz = input.cfg.compression === 'gzip' ? ownBuffer(gzipBody(c.body()), -1) : undefined;
    const buf = ownBuffer(c.buf, c.len);
    transfer.push(buf, c.starts.buffer, c.srcs.buffer, c.ends.buffer, c.refs.buffer, indexIds.buffer);
    if (gz) transfer.push(gz);
    const own = (a: Int32Array) => a as Int32Array<ArrayBuffer>;
    return {
      buf,
      len: c.len,
      n: c.n,
      starts: own(c.starts),
      srcs: own(c.srcs),
      ends: own(c.ends),
      refs: own(c.refs),
      indexIds,
      gz,
    };
  });
  const items = itemsOf(input.signal, data);
  const refs = built.refs;
  let positions: Int32Array | undefined;
  if (!sameOrder(refs.items, items)) {
    // a document written from wire bytes names its record by position (resource, scope, index
    // in the scope: builder.ts addWire); the others by the record object
    const at = new Map<object, number>();
    for (let i = 0; i < items.length; i++) at.set(items[i], i);
    const scopeStart = scopeStarts(input.signal, data);
    positions = new Int32Array(refs.length);
    for (let k = 0; k < refs.length; k++) {
      if (refs.items[k] !== WIRE_ITEM) {
        positions[k] = at.get(refs.items[k]) ?? -1;
        continue;
      }
      const first = scopeStart[refs.rl[k]]?.[refs.sl[k]];
      positions[k] = first === undefined ? -1 : first + refs.ks[k];
    }
    transfer.push(positions.buffer as ArrayBuffer);
  }
  const result: OffloadOutput = { chunks, names, rejected: built.rejected, items: refs.length, positions };
  return { result, transfer };
}

/**
 * Main side: the build of `data` on a pool worker, as the BuildResult an in-thread build
 * gives. `data` is not modified (its unread records are copied into the request bytes).
 */
export async function buildInPool(
  pool: EncodePool,
  key: string,
  cfg: ElasticsearchConfig,
  signal: OffloadSignal,
  data: LogsData | TracesData,
  ctx: RequestContext | undefined,
): Promise<BuildResult> {
  let bytes = otlpBatchCodec.encode(signal, data);
  // Moving a buffer detaches all of it: only one that holds nothing else moves.
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
  const input: OffloadInput = { key, cfg, signal, bytes, metadata: ctx?.metadata };
  const out = await pool.run<OffloadOutput>(ES_ENCODER, input, [bytes.buffer as ArrayBuffer]);
  const chunks = out.chunks.map((w) => {
    const c = new BulkChunk(Buffer.from(w.buf, 0, w.buf.byteLength));
    c.len = w.len;
    c.n = w.n;
    c.starts = w.starts;
    c.srcs = w.srcs;
    c.ends = w.ends;
    c.refs = w.refs;
    for (let k = 0; k < w.n; k++) c.indices.push(out.names[w.indexIds[k]]);
    if (w.gz) gzipped.set(c, Buffer.from(w.gz));
    return c;
  });
  let refs: RefList | undefined;
  // Only a retry or a rejection reads the refs: found on first use.
  return {
    chunks,
    rejected: out.rejected,
    get refs(): RefList {
      refs ??= refsOf(signal, data, out);
      return refs;
    },
  };
}

function refsOf(signal: OffloadSignal, data: LogsData | TracesData, out: OffloadOutput): RefList {
  const rls: number[] = [];
  const sls: number[] = [];
  const items: object[] = [];
  const add = (r: number, s: number, item: object) => {
    rls.push(r);
    sls.push(s);
    items.push(item);
  };
  if (signal === 'logs') {
    const list = (data as LogsData).resourceLogs;
    for (let r = 0; r < list.length; r++)
      for (let s = 0; s < list[r].scopeLogs.length; s++)
        for (const rec of list[r].scopeLogs[s].logRecords) add(r, s, rec);
  } else {
    const list = (data as TracesData).resourceSpans;
    for (let r = 0; r < list.length; r++)
      for (let s = 0; s < list[r].scopeSpans.length; s++)
        for (const span of list[r].scopeSpans[s].spans) add(r, s, span);
  }
  const list = new RefList();
  for (let k = 0; k < out.items; k++) {
    const i = out.positions ? out.positions[k] : k;
    if (i < 0 || i >= items.length) throw new Error('elasticsearch: worker build does not match the batch');
    list.add(rls[i], sls[i], items[i]);
  }
  return list;
}

function itemsOf(signal: OffloadSignal, data: unknown): object[] {
  const items: object[] = [];
  if (signal === 'logs') {
    for (const rl of (data as LogsData).resourceLogs)
      for (const sl of rl.scopeLogs) for (const rec of sl.logRecords) items.push(rec);
  } else {
    for (const rs of (data as TracesData).resourceSpans)
      for (const ss of rs.scopeSpans) for (const span of ss.spans) items.push(span);
  }
  return items;
}

/** Per resource, per scope: the flat index (itemsOf's order) of the scope's first item. */
function scopeStarts(signal: OffloadSignal, data: unknown): number[][] {
  const out: number[][] = [];
  let n = 0;
  if (signal === 'logs')
    for (const rl of (data as LogsData).resourceLogs)
      out.push(
        rl.scopeLogs.map((sl) => {
          const at = n;
          n += sl.logRecords.length;
          return at;
        }),
      );
  else
    for (const rs of (data as TracesData).resourceSpans)
      out.push(
        rs.scopeSpans.map((ss) => {
          const at = n;
          n += ss.spans.length;
          return at;
        }),
      );
  return out;
}

function sameOrder(refs: readonly object[], items: readonly object[]): boolean {
  if (refs.length !== items.length) return false;
  for (let i = 0; i < refs.length; i++) if (refs[i] !== items[i]) return false;
  return true;
}

/** The gzip body of a chunk built on a worker (as the sender compresses it: level 1); repacked chunks have none. */
const gzipped = new WeakMap<BulkChunk, Buffer>();

export function gzippedBody(chunk: BulkChunk): Buffer | undefined {
  return gzipped.get(chunk);
}

/** The sender's compression (sender.ts: gzip level 1), byte for byte. */
export function gzipBody(raw: Buffer): Buffer {
  return gzipSync(raw, { level: 1 });
}

/** A buffer holding only the storage of `buf` (its first `len` bytes; -1: all of it), safe to move. */
function ownBuffer(buf: Buffer, len: number): ArrayBuffer {
  const n = len < 0 ? buf.length : len;
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length && buf.buffer instanceof ArrayBuffer)
    return buf.buffer;
  const copy = new Uint8Array(n);
  copy.set(buf.subarray(0, n));
  return copy.buffer;
}
