// Routing by trace ID without making a span or log record: while a request's
// scope lists are still its protobuf bytes (src/pdata/lazy.ts: nobody read
// them), each item's trace_id is read from its bytes, hashed as routing.ts
// hashes it, and the item's bytes (tag and length included) are copied into the
// part of its backend: per backend and resource a run of ScopeSpans / ScopeLogs
// entries, each entry its scope's other fields (the InstrumentationScope,
// schema_url) copied once, then the items that go there. All parts of a request
// share one buffer (one allocation; pooled when the caller takes its lease, so
// splitting allocates no ArrayBuffer per request in steady state). The parts stay
// lazy lists, so the per-backend exporter writes them back as bytes.
//
// The output is what routing.ts produces from the decoded request (the same
// parts, the same items in the same order, the same bytes once encoded): the
// test compares them. Items of one trace that follow each other (the usual
// layout) are hashed once and copied as one run.
import { randomBytes } from 'node:crypto';
import { leaseBuffer, takeBuffer } from '../../src/codec/buffer-pool.js';
import { resourceLogsFromWire, resourceSpansFromWire } from '../../src/codec/otlp-proto.js';
import { type Lease, rawList } from '../../src/pdata/lazy.js';
import type { LogsData, Resource, ResourceLogs, ResourceSpans, TracesData } from '../../src/pdata/types.js';

/** The backend owning a key (the ring lookup). */
export type EndpointFor = (key: Uint8Array | string) => string;

/**
 * Takes the lease of a split's buffer: given, the parts are copied into a pooled buffer
 * (codec/buffer-pool.ts) and the caller holds its lease once, to release when it let go of
 * the parts (the queues that keep them hold it meanwhile, src/pdata/hold.ts). Without it
 * the buffer is an ordinary allocation.
 */
export type KeepLease = (lease: Lease) => void;

/** Where the trace ID is in an item, and how items without one are routed. */
interface ItemShape {
  /** trace_id's field number in the item message (Span 1, LogRecord 9). */
  traceIdField: number;
  /** Logs: an item without a trace ID (absent or all zero) goes to a random backend per resource. */
  randomWithoutTraceId: boolean;
}

const SPANS: ItemShape = { traceIdField: 1, randomWithoutTraceId: false };
const LOG_RECORDS: ItemShape = { traceIdField: 9, randomWithoutTraceId: true };

/**
 * Traces split per trace ID; undefined when a resource's spans were read already (their decoded
 * form is then the truth: routing.ts routes it).
 */
export function routeTracesWire(
  d: TracesData,
  endpointFor: EndpointFor,
  keep?: KeepLease,
): Map<string, TracesData> | undefined {
  const r = routeWire(d.resourceSpans, SPANS, endpointFor, keep !== undefined);
  if (r.kind !== 'split') return r.kind === 'read' ? undefined : single(r.endpoint, d);
  const out = new Map<string, TracesData>();
  for (const [endpoint, rs] of r.parts)
    out.set(endpoint, {
      resourceSpans: rs.map((p) =>
        resourceSpansFromWire(p.resource, p.schemaUrl, [p.bytes], p.items, r.lease),
      ),
    });
  if (r.lease) keep?.(r.lease);
  return out;
}

/** Logs split per trace ID (records without one: a random backend per resource), as routeTracesWire. */
export function routeLogsWire(
  d: LogsData,
  endpointFor: EndpointFor,
  keep?: KeepLease,
): Map<string, LogsData> | undefined {
  const r = routeWire(d.resourceLogs, LOG_RECORDS, endpointFor, keep !== undefined);
  if (r.kind !== 'split') return r.kind === 'read' ? undefined : single(r.endpoint, d);
  const out = new Map<string, LogsData>();
  for (const [endpoint, rl] of r.parts)
    out.set(endpoint, {
      resourceLogs: rl.map((p) => resourceLogsFromWire(p.resource, p.schemaUrl, [p.bytes], p.items, r.lease)),
    });
  if (r.lease) keep?.(r.lease);
  return out;
}

/** Everything went to one backend: the request goes as it came (nowhere when it holds no item). */
function single<D>(endpoint: string | undefined, d: D): Map<string, D> {
  const out = new Map<string, D>();
  if (endpoint !== undefined) out.set(endpoint, d);
  return out;
}

/** One backend's share of one resource: its scope entries, encoded. */
interface ResourcePart {
  resource: Resource;
  schemaUrl: string;
  bytes: Uint8Array;
  items: number;
}

type Routed =
  /** A scope list was read: route the decoded form. */
  | { kind: 'read' }
  /** Every item goes to one backend (undefined: there is no item). */
  | { kind: 'one'; endpoint: string | undefined }
  | { kind: 'split'; parts: Map<string, ResourcePart[]>; lease: Lease | undefined };

/**
 * One scope entry of a kept list: the source bytes, the entry's fields other than the items
 * (before and after them, [start, end) pairs), and its items as runs going to one backend
 * ([backend, start, end, items] per run).
 */
interface ScopeEntry {
  src: Uint8Array;
  /** The entry has no `scope` field: the encoder writes an empty one (0a 00), so does this. */
  emptyScope: boolean;
  before: number[];
  after: number[];
  runs: number[];
}

function routeWire(
  entries: (ResourceSpans | ResourceLogs)[],
  shape: ItemShape,
  endpointFor: EndpointFor,
  pooled: boolean,
): Routed {
  const raws: Uint8Array[][] = [];
  for (const e of entries) {
    const raw = rawList(e);
    if (raw === undefined) return { kind: 'read' };
    raws.push(raw);
  }
  const endpoints: string[] = [];
  const index = new Map<string, number>();
  const backendOf = (endpoint: string): number => {
    let i = index.get(endpoint);
    if (i === undefined) {
      i = endpoints.length;
      endpoints.push(endpoint);
      index.set(endpoint, i);
    }
    return i;
  };
  const perResource: ScopeEntry[][] = [];
  for (let ri = 0; ri < raws.length; ri++) {
    const scopes: ScopeEntry[] = [];
    let untraced = -1;
    const routeUntraced = () => {
      if (untraced < 0) untraced = backendOf(endpointFor(randomTraceKey()));
      return untraced;
    };
    for (const seg of raws[ri]) scanSegment(seg, shape, scopes, endpointFor, backendOf, routeUntraced);
    perResource.push(scopes);
  }
  if (endpoints.length <= 1) return { kind: 'one', endpoint: endpoints[0] };
  const nb = endpoints.length;
  // pass 1: each backend's bytes and items of each resource's part
  const sizes = new Array<number>(perResource.length * nb).fill(0);
  const counts = new Array<number>(perResource.length * nb).fill(0);
  const bodies = new Array<number>(nb);
  let total = 0;
  for (let ri = 0; ri < perResource.length; ri++) {
    const at = ri * nb;
    for (const sc of perResource[ri]) {
      bodies.fill(0);
      const r = sc.runs;
      for (let k = 0; k < r.length; k += 4) {
        bodies[r[k]] += r[k + 2] - r[k + 1];
        counts[at + r[k]] += r[k + 3];
      }
      const fixed = fixedLength(sc);
      for (let b = 0; b < nb; b++)
        if (bodies[b] > 0) {
          const n = 1 + varintSize(fixed + bodies[b]) + fixed + bodies[b];
          sizes[at + b] += n;
          total += n;
        }
    }
  }
  // pass 2: every part copied into one buffer (one allocation per request, whatever the
  // number of backends and resources), pooled when the caller gives it back
  const buf = pooled ? takeBuffer(total) : Buffer.allocUnsafe(total);
  const lease = pooled ? leaseBuffer(buf) : undefined;
  const out = new Map<string, ResourcePart[]>();
  for (const ep of endpoints) out.set(ep, []);
  let p = 0;
  for (let ri = 0; ri < perResource.length; ri++) {
    const e = entries[ri];
    for (let b = 0; b < nb; b++) {
      const size = sizes[ri * nb + b];
      if (size === 0) continue;
      const start = p;
      for (const sc of perResource[ri]) {
        const src = sc.src;
        const r = sc.runs;
        let body = 0;
        for (let k = 0; k < r.length; k += 4) if (r[k] === b) body += r[k + 2] - r[k + 1];
        if (body === 0) continue;
        const fixed = fixedLength(sc);
        buf[p++] = 0x12; // the resource's scope entry field (2, length-delimited)
        p = writeVarint(buf, p, fixed + body);
        if (sc.emptyScope) {
          buf[p++] = 0x0a;
          buf[p++] = 0;
        }
        p = copyRanges(buf, p, src, sc.before);
        for (let k = 0; k < r.length; k += 4)
          if (r[k] === b) {
            buf.set(src.subarray(r[k + 1], r[k + 2]), p);
            p += r[k + 2] - r[k + 1];
          }
        p = copyRanges(buf, p, src, sc.after);
      }
      (out.get(endpoints[b]) as ResourcePart[]).push({
        resource: e.resource,
        schemaUrl: e.schemaUrl,
        bytes: buf.subarray(start, p),
        items: counts[ri * nb + b],
      });
    }
  }
  return { kind: 'split', parts: out, lease };
}

/** Reads the scope entries of one kept segment (field-2 entries of a Resource*, validated bytes). */
function scanSegment(
  seg: Uint8Array,
  shape: ItemShape,
  scopes: ScopeEntry[],
  endpointFor: EndpointFor,
  backendOf: (endpoint: string) => number,
  routeUntraced: () => number,
): void {
  let pos = 0;
  const end = seg.length;
  while (pos < end) {
    pos = readTag(seg, pos); // the scope entry's tag (field 2)
    pos = readVarint(seg, pos);
    const stop = pos + lastVarint;
    const sc: ScopeEntry = { src: seg, emptyScope: true, before: [], after: [], runs: [] };
    const runs = sc.runs;
    // the trace ID of the item before (its offset, -1: none) and its backend: consecutive
    // items of one trace are hashed once
    let prevTid = -1;
    let prevLen = -1;
    let prevBackend = -1;
    let seenItems = false;
    while (pos < stop) {
      const fieldAt = pos;
      pos = readTag(seg, pos);
      const field = lastTag >>> 3;
      const wt = lastTag & 7;
      const valueAt = pos;
      pos = skipValue(seg, pos, wt);
      if (field !== 2 || wt !== 2) {
        if (field === 1) sc.emptyScope = false;
        // the encoder leaves out an empty schema_url: so does this
        if (field === 3 && wt === 2 && pos - valueAt === 1) continue;
        (seenItems ? sc.after : sc.before).push(fieldAt, pos);
        continue;
      }
      seenItems = true;
      // the item: [fieldAt, pos); its message after the length prefix
      const msgAt = readVarint(seg, valueAt);
      const [tidAt, tidLen] = findBytesField(seg, msgAt, pos, shape.traceIdField);
      let backend: number;
      if (prevTid >= 0 && tidLen === prevLen && sameBytes(seg, tidAt, prevTid, tidLen)) backend = prevBackend;
      else if (shape.randomWithoutTraceId && allZero(seg, tidAt, tidLen)) {
        backend = routeUntraced();
        prevTid = -1;
      } else {
        backend = backendOf(endpointFor(seg.subarray(tidAt, tidAt + tidLen)));
        prevTid = tidAt;
        prevLen = tidLen;
        prevBackend = backend;
      }
      const n = runs.length;
      if (n > 0 && runs[n - 4] === backend && runs[n - 2] === fieldAt) {
        runs[n - 2] = pos;
        runs[n - 1]++;
      } else runs.push(backend, fieldAt, pos, 1);
    }
    pos = stop;
    // a scope entry without items goes nowhere, as in routing.ts
    if (runs.length > 0) scopes.push(sc);
  }
}

/** Offset and length of the last occurrence of bytes field `fn` in a message [pos, end); length 0 if absent. */
function findBytesField(src: Uint8Array, pos: number, end: number, fn: number): [number, number] {
  let at = pos;
  let len = 0;
  while (pos < end) {
    pos = readTag(src, pos);
    const wt = lastTag & 7;
    if (lastTag >>> 3 === fn && wt === 2) {
      const v = readVarint(src, pos);
      at = v;
      len = lastVarint;
      pos = v + len;
    } else pos = skipValue(src, pos, wt);
  }
  return [at, len];
}

function sameBytes(src: Uint8Array, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (src[a + i] !== src[b + i]) return false;
  return true;
}

function allZero(src: Uint8Array, at: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (src[at + i] !== 0) return false;
  return true;
}

/** The collector's random() balancing key: 4 random bytes in an otherwise zero trace ID. */
function randomTraceKey(): Uint8Array {
  const k = new Uint8Array(16);
  k.set(randomBytes(4));
  return k;
}

/** The bytes of a scope entry's part other than its items. */
function fixedLength(sc: ScopeEntry): number {
  return (sc.emptyScope ? 2 : 0) + rangesLength(sc.before) + rangesLength(sc.after);
}

function rangesLength(r: number[]): number {
  let n = 0;
  for (let i = 0; i < r.length; i += 2) n += r[i + 1] - r[i];
  return n;
}

function copyRanges(dst: Buffer, p: number, src: Uint8Array, r: number[]): number {
  for (let i = 0; i < r.length; i += 2) {
    dst.set(src.subarray(r[i], r[i + 1]), p);
    p += r[i + 1] - r[i];
  }
  return p;
}

// ---- varints of validated bytes

let lastTag = 0;
let lastVarint = 0;

function readTag(src: Uint8Array, pos: number): number {
  pos = readVarint(src, pos);
  lastTag = lastVarint;
  return pos;
}

/** Reads a varint (lengths and tags: below 2^53) into lastVarint; returns the position after it. */
function readVarint(src: Uint8Array, pos: number): number {
  let b = src[pos++];
  let v = b & 0x7f;
  let mul = 128;
  while (b >= 0x80) {
    b = src[pos++];
    v += (b & 0x7f) * mul;
    mul *= 128;
  }
  lastVarint = v;
  return pos;
}

function skipValue(src: Uint8Array, pos: number, wt: number): number {
  switch (wt) {
    case 0:
      while (src[pos++] >= 0x80);
      return pos;
    case 1:
      return pos + 8;
    case 5:
      return pos + 4;
    case 2:
      pos = readVarint(src, pos);
      return pos + lastVarint;
    default:
      // groups do not pass validation (proto-lazy.ts)
      throw new Error(`unexpected wire type ${wt} in a kept scope list`);
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(dst: Buffer, p: number, v: number): number {
  while (v >= 128) {
    dst[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  dst[p++] = v;
  return p;
}
