// The agent's common case in one pass over the line's bytes: a CRI line
// (`<time> stdout|stderr F {json}`) through the operators `container`,
// `json_parser` and `trace_parser` with their defaults, written straight into
// the protobuf LogRecord the operators' entry would have been encoded to.
// No string per line, no parsed object, no attribute map: the bytes are the
// record, and the exporter (or persistent queue) copies them as they are. The
// buffers they are written into are reused once nothing holds them
// (record-chunks.ts).
//
// It takes only lines whose result it knows byte for byte: anything else
// (P fragments, Docker lines, nested JSON values, escaped keys, duplicate or
// integer-like keys, keys that collide with file_log's own attributes,
// malformed IDs, trace_flags, invalid UTF-8, whitespace to trim, ...) returns
// false and goes through the operators as before (cri-json-fast.test.ts
// compares both on varied lines).
import { isUtf8 } from 'node:buffer';
import type { Entry } from '../../src/stanza/entry.js';
import { parsePodPath } from '../../src/stanza/operators/container.js';
import { parseRfc3339Nano } from '../../src/stanza/rfc3339.js';
import { type SeverityConfig, SeverityParser } from '../../src/stanza/severity.js';
import { type ChunkLease, ChunkPool } from './record-chunks.js';

/** What the operators' config allows the fast path to assume (undefined: it cannot be used). */
export interface FastPlan {
  /** container `format: containerd`: the timestamp must end in Z. */
  containerd: boolean;
  /** trace_parser `if: attributes.trace_id != nil`: without a trace_id the span_id is not read. */
  traceNeedsTraceId: boolean;
  /**
   * A severity_parser between json_parser and trace_parser (config/agent.yaml): its parser,
   * the attribute it reads, and whether its `if` skips lines without that attribute.
   */
  severity?: { parser: SeverityParser; key: Buffer; onlyIfPresent: boolean };
}

const PARSER_BLOCKS = ['body', 'timestamp', 'severity', 'trace', 'scope_name', 'output'];

function plainParser(c: Record<string, unknown>): boolean {
  return (
    c.parse_from === 'body' && c.parse_to === 'attributes' && PARSER_BLOCKS.every((k) => c[k] === undefined)
  );
}

/** The fast path applies to exactly `container`, `json_parser`, `trace_parser` (defaults, the agent's `if`s). */
export function fastPlan(ops: Record<string, unknown>[]): FastPlan | undefined {
  if (ops.length !== 3 && ops.length !== 4) return undefined;
  const [c, j] = ops;
  const t = ops[ops.length - 1];
  let severity: FastPlan['severity'];
  if (ops.length === 4) {
    const sp = ops[2];
    const from =
      typeof sp.parse_from === 'string' ? /^attributes\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(sp.parse_from) : null;
    if (sp.type !== 'severity_parser' || sp.output !== undefined || !from) return undefined;
    const key = from[1];
    if (sp.if !== undefined && sp.if !== `attributes.${key} != nil`) return undefined;
    severity = {
      parser: new SeverityParser(sp as unknown as SeverityConfig),
      key: Buffer.from(key),
      onlyIfPresent: sp.if !== undefined,
    };
  }
  if (c.type !== 'container' || j.type !== 'json_parser' || t.type !== 'trace_parser') return undefined;
  if (!plainParser(c) || c.if !== undefined || c.add_metadata !== true) return undefined;
  if (c.format !== undefined && c.format !== 'crio' && c.format !== 'containerd') return undefined;
  // the json_parser condition config/agent.yaml uses holds for every line the fast path takes ('{' first)
  if (!plainParser(j) || (j.if !== undefined && j.if !== 'body matches "^\\\\s*\\\\{"')) return undefined;
  const from = (k: string) => (t[k] as { parse_from?: string } | undefined)?.parse_from;
  if (
    t.output !== undefined ||
    from('trace_id') !== 'attributes.trace_id' ||
    from('span_id') !== 'attributes.span_id' ||
    from('trace_flags') !== 'attributes.trace_flags'
  )
    return undefined;
  if (t.if !== undefined && t.if !== 'attributes.trace_id != nil') return undefined;
  return { containerd: c.format === 'containerd', traceNeedsTraceId: t.if !== undefined, severity };
}

const TRACE_ID = Buffer.from('trace_id');
const SPAN_ID = Buffer.from('span_id');
const TRACE_FLAGS = Buffer.from('trace_flags');
const PROTO = Buffer.from('__proto__');
const STREAMS = ['stdout', 'stderr'] as const;

/** Per file attribute map: the attributes the operators put after the JSON keys, encoded, per stream. */
interface Tail {
  bytes: (Buffer | undefined)[];
  /** Keys a JSON key must not equal (the merge would keep it in another place). */
  keys: Buffer[];
  ok: boolean;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

function putVarint(b: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    b[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  b[pos++] = n;
  return pos;
}

/** A safe integer as protobuf int64 (negatives as 10-byte two's complement), as Writer.int64Num. */
function putInt64(b: Buffer, pos: number, n: number): number {
  if (n >= 0) return putVarint(b, pos, n);
  let v = BigInt.asUintN(64, BigInt(n));
  while (v >= 128n) {
    b[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  b[pos++] = Number(v);
  return pos;
}

function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

function putFixed64(b: Buffer, pos: number, v: bigint): number {
  const n = Number(v);
  if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
    b.writeUInt32LE(n >>> 0, pos);
    b.writeUInt32LE(Math.floor(n / 4294967296), pos + 4);
  } else b.writeBigUInt64LE(BigInt.asUintN(64, v), pos);
  return pos + 8;
}

/** A KeyValue field (tag 0x32) with a string value, as the plain-map encoder writes it. */
function stringKv(key: string, value: string): Buffer {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  const any = 1 + varintSize(v.length) + v.length;
  const kv = (k.length > 0 ? 1 + varintSize(k.length) + k.length : 0) + 1 + varintSize(any) + any;
  const b = Buffer.alloc(1 + varintSize(kv) + kv);
  let p = 0;
  b[p++] = 0x32;
  p = putVarint(b, p, kv);
  if (k.length > 0) {
    b[p++] = 0x0a;
    p = putVarint(b, p, k.length);
    p += k.copy(b, p);
  }
  b[p++] = 0x12;
  p = putVarint(b, p, any);
  b[p++] = 0x0a;
  p = putVarint(b, p, v.length);
  v.copy(b, p);
  return b;
}

/** Copies b[from, to) (another buffer) to o at p; returns the end. */
function put(o: Buffer, p: number, b: Buffer, from: number, to: number): number {
  o.set(new Uint8Array(b.buffer, b.byteOffset + from, to - from), p);
  return p + to - from;
}

/** Copies o[from, to) to o at p (before `from`, never overlapping); a loop for a few bytes. */
function putWithin(o: Buffer, p: number, from: number, to: number): number {
  if (to - from > 16) {
    o.copyWithin(p, from, to);
    return p + to - from;
  }
  for (let k = from; k < to; k++) o[p++] = o[k];
  return p;
}

/** b[at, at + x.length) equals x. */
function same(b: Buffer, at: number, x: Buffer): boolean {
  for (let k = 0; k < x.length; k++) if (b[at + k] !== x[k]) return false;
  return true;
}

const WS = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * Size of the pooled buffers records are written to. A run of records (a batch's lines of
 * one file) stays in one buffer, as one ScopeLogs entry; a run that does not fit the rest
 * of a buffer moves to the next with its records so far. The agent's batches (1024 lines,
 * ~540 KB with the agent bench's lines) fit in one buffer, about two to a buffer.
 * Buffers come back to the pool once the batches in them were accepted (record-chunks.ts):
 * with the persistent queue, once they are on disk, so a handful of buffers go round.
 * (When each buffer was new, their ArrayBuffer memory is what made V8 run full GCs here.)
 */
const CHUNK = 1024 * 1024;
/**
 * Free buffers the pool keeps: the batches file_log has in flight (at most 4 and 8 MiB)
 * mostly fit in them. Buffers a longer-lived holder keeps (a memory queue during an outage)
 * are replaced by new ones; the pool only bounds what it keeps idle.
 */
const POOL_KEEP = 6;
/**
 * Bytes left free before a run's first record, for the ScopeLogs field header written
 * there when the run is handed over: tag, length (up to 5 bytes), the empty scope field.
 */
const GAP = 8;

/** A run of records handed over (closeRun): one ScopeLogs field and the lease of its buffer. */
export interface ClosedRun {
  /** The ScopeLogs field: tag, length, empty scope, then the records' log_records fields. */
  scopeLogs: Buffer;
  /** Held once for the caller: release it when the records are let go. */
  lease: ChunkLease;
  items: number;
  /** Every record has a valid trace ID. */
  traced: boolean;
}

/** Lines longer than this go the operators' way (their record must fit a 3-byte length). */
const MAX_LINE = 512 * 1024;

export class CriJsonFast {
  /**
   * The buffer records are written into (the writer's lease on it) and the write position.
   * Each record is a log_records field (0x12, length, message). The open run's records lie
   * in this buffer from `runStart` (-1: no open run) to `pos`; runs handed over hold their
   * buffer's lease, and nothing is written before `pos`.
   */
  private lease: ChunkLease;
  private out: Buffer;
  private pos = 0;
  private runStart = -1;
  private runItems = 0;
  private runTraced = true;
  /** Whether the last encoded record has a valid trace ID. */
  private lastTraced = false;
  readonly pool = new ChunkPool(CHUNK, POOL_KEEP);
  /** Bytes at the ends of full buffers that stayed unused (for tests and diagnostics). */
  unused = 0;
  /** Record bytes copied because their run moved to a new buffer (for tests and diagnostics). */
  moved = 0;
  private readonly tails = new WeakMap<object, Tail>();
  private readonly meta = new Map<string, Record<string, unknown> | null>();
  /** Key ranges of the line being encoded (duplicate check). */
  private keyAt = new Int32Array(64);
  /** The line's time as the two 32-bit halves of its Unix nanos. */
  private tsLo = 0;
  private tsHi = 0;
  /** The last `YYYY-MM-DDTHH:MM:SS` seen and its Unix nanos' halves. */
  private readonly prefix = Buffer.alloc(19);
  private prefixSet = false;
  private baseLo = 0;
  private baseHi = 0;
  /** The poll's observed time, encoded once. */
  private observed = 0n;
  private readonly observedBytes = Buffer.alloc(8);
  /** severity_parser's answer per level value (null: it fails on it). */
  private readonly sevCache = new Map<string, Buffer | null>();

  constructor(
    private readonly plan: FastPlan,
    /** file_log trims line ends (no preserve_trailing_whitespaces); leading spaces never reach here (a digit starts the line). */
    private readonly trimTrailing: boolean,
  ) {
    this.lease = this.pool.take(CHUNK);
    this.out = this.lease.buf;
  }

  private tail(attrs: Record<string, unknown>): Tail {
    let t = this.tails.get(attrs);
    if (t !== undefined) return t;
    t = { bytes: [], keys: [], ok: true };
    const parts: Buffer[] = [];
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined) continue;
      if (typeof v !== 'string' || k === '') t.ok = false;
      else parts.push(stringKv(k, v));
      t.keys.push(Buffer.from(k));
    }
    t.keys.push(Buffer.from('log.iostream'), Buffer.from('logtag'));
    if ('log.iostream' in attrs || 'logtag' in attrs) t.ok = false;
    for (const s of STREAMS)
      t.bytes.push(Buffer.concat([...parts, stringKv('log.iostream', s), stringKv('logtag', 'F')]));
    this.tails.set(attrs, t);
    return t;
  }

  private resource(path: string): Record<string, unknown> | null {
    let m = this.meta.get(path);
    if (m === undefined) {
      m = parsePodPath(path) ?? null;
      if (this.meta.size >= 1024) this.meta.clear();
      this.meta.set(path, m);
    }
    return m;
  }

  /**
   * Encodes the line b[s, e) as the operators would have made it, as the next record of the
   * open run or (`newRun`, or no run is open) the first of a new one; returns the record's
   * resource (the pod metadata of its path), or undefined when the line is not one the fast
   * path knows (nothing was written then). A new run needs the last one closed first.
   */
  encode(
    src: Buffer,
    from: number,
    to: number,
    attrs: Record<string, unknown>,
    observed: bigint,
    newRun = false,
  ): Record<string, unknown> | undefined {
    const starts = newRun || this.runStart < 0;
    if (starts) {
      if (this.runStart >= 0) throw new Error('closeRun() before a new run');
      // a run like the last one would not fit the rest: start in a new buffer rather than
      // move the run there once it is mostly written (the rest of this one stays unused;
      // its pages were never touched unless an earlier use of the buffer wrote them)
      if (this.out.length - this.pos < this.lastRunBytes && this.pos > 0) {
        this.starting = false;
        this.nextChunk(0);
      }
      this.pos += GAP;
    }
    this.starting = starts;
    const res = this.encodeLine(src, from, to, attrs, observed);
    if (res === undefined) {
      if (starts) this.pos -= GAP;
      return undefined;
    }
    if (starts) {
      this.runStart = this.lastStart;
      this.runItems = 0;
      this.runTraced = true;
    }
    this.runItems++;
    if (!this.lastTraced) this.runTraced = false;
    return res;
  }

  /** Where the last record starts (its field tag). */
  private lastStart = 0;
  /** The record being encoded starts a run (room for its header goes before it). */
  private starting = false;
  /** Size of the last run handed over (where the next is likely to need as much). */
  private lastRunBytes = 0;

  /**
   * Hands over the open run (undefined if none): its ScopeLogs field, written in front of its
   * records, and a hold on its buffer. The next run starts after it.
   */
  closeRun(): ClosedRun | undefined {
    const start = this.runStart;
    if (start < 0) return undefined;
    const o = this.out;
    const len = this.pos - start + 2;
    const h = 1 + varintSize(len);
    o[start - 2] = 0x0a; // the scope: empty, written as the encoder writes every scope
    o[start - 1] = 0;
    o[start - 2 - h] = 0x12; // ResourceLogs.scope_logs
    putVarint(o, start - 1 - h, len);
    this.runStart = -1;
    this.lastRunBytes = this.pos - start + GAP;
    this.lease.hold();
    return {
      scopeLogs: o.subarray(start - 2 - h, this.pos),
      lease: this.lease,
      items: this.runItems,
      traced: this.runTraced,
    };
  }

  private encodeLine(
    src: Buffer,
    from: number,
    to: number,
    attrs: Record<string, unknown>,
    observed: bigint,
  ) {
    const lineLen = to - from;
    if (lineLen > MAX_LINE || lineLen < 8) return undefined;
    const path = attrs['log.file.path'];
    if (typeof path !== 'string') return undefined;
    const res = this.resource(path);
    if (res === null) return undefined;
    const tail = this.tail(attrs);
    if (!tail.ok) return undefined;
    // the operators' input is the line trimmed: take only lines trimming leaves alone
    const first = src[from];
    if (first < 0x30 || first > 0x39) return undefined;
    const last = src[to - 1];
    if (this.trimTrailing && last !== 0x7d /* } */) return undefined;
    // The line is copied (one memcpy) past the room its record can take, and read there:
    // the record's pieces are then copies within one buffer (copyWithin), with no view
    // object per copy. A record is at most 4 bytes per line byte plus the tail and IDs.
    const room = 4 * lineLen + 512 + (tail.bytes[0] as Buffer).length;
    const need = this.pos + room + lineLen;
    if (need > this.out.length) this.nextChunk(room + lineLen);
    this.lastStart = this.pos;
    const b = this.out;
    const s = this.pos + room;
    const e = s + lineLen;
    b.set(new Uint8Array(src.buffer, src.byteOffset + from, lineLen), s);
    // ---- CRI header: <time> <stdout|stderr> F <log>
    let a = s;
    while (a < e && b[a] !== 0x20) a++;
    if (a + 10 > e) return undefined;
    let stream: number;
    if (b[a + 1] === 0x73 && b[a + 2] === 0x74 && b[a + 3] === 0x64) {
      // std...
      if (b[a + 4] === 0x6f && b[a + 5] === 0x75 && b[a + 6] === 0x74) stream = 0;
      else if (b[a + 4] === 0x65 && b[a + 5] === 0x72 && b[a + 6] === 0x72) stream = 1;
      else return undefined;
    } else return undefined;
    if (b[a + 7] !== 0x20 || b[a + 8] !== 0x46 /* F */ || b[a + 9] !== 0x20) return undefined;
    let i = a + 10;
    while (i < e && b[i] === 0x20) i++;
    if (i >= e || b[i] !== 0x7b /* { */) return undefined;
    if (this.plan.containerd && b[a - 1] !== 0x5a /* Z */) return undefined;
    if (!this.time(b, s, a)) return undefined;
    const tailBytes = tail.bytes[stream] as Buffer;
    // ---- the record, written after room for its field header (tag + 3-byte length)
    const bodyLen = e - i;
    const o = b;
    const rec = this.pos + 4;
    let p = rec;
    if (this.tsLo !== 0 || this.tsHi !== 0) {
      o[p++] = 0x09;
      o.writeUInt32LE(this.tsLo, p);
      o.writeUInt32LE(this.tsHi, p + 4);
      p += 8;
    }
    // body: the JSON text as a string value
    const bodyAt = p;
    o[p++] = 0x2a;
    p = putVarint(o, p, 1 + varintSize(bodyLen) + bodyLen);
    o[p++] = 0x0a;
    p = putVarint(o, p, bodyLen);
    p = putWithin(o, p, i, e);
    // attributes: the JSON keys in order, then the operators' own
    let high = 0; // OR of the string bytes: non-ASCII is checked for valid UTF-8 once
    let nKeys = 0;
    let traceAt = -1;
    let spanAt = -1;
    const levelKey = this.plan.severity?.key;
    let level: string | number | undefined;
    i++;
    while (i < e && WS(b[i])) i++;
    if (b[i] === 0x7d) i++;
    else
      for (;;) {
        // key
        if (b[i] !== 0x22) return undefined;
        const ks = i + 1;
        let k = ks;
        let digits = true;
        for (; k < e; k++) {
          const c = b[k];
          if (c === 0x22) break;
          if (c === 0x5c || c < 0x20) return undefined; // escaped or invalid key: the operators decide
          high |= c;
          if (c < 0x30 || c > 0x39) digits = false;
        }
        if (k >= e || k === ks || digits) return undefined; // empty or integer-like (ordered first by JS)
        const ke = k;
        if (!this.newKey(b, ks, ke, nKeys, tail.keys)) return undefined;
        if (nKeys * 2 + 2 > this.keyAt.length) {
          const g = new Int32Array(this.keyAt.length * 2);
          g.set(this.keyAt);
          this.keyAt = g;
        }
        this.keyAt[nKeys * 2] = ks;
        this.keyAt[nKeys * 2 + 1] = ke;
        nKeys++;
        i = ke + 1;
        while (i < e && WS(b[i])) i++;
        if (b[i] !== 0x3a) return undefined;
        i++;
        while (i < e && WS(b[i])) i++;
        const klen = ke - ks;
        const keyField = 1 + varintSize(klen) + klen;
        const c = b[i];
        // KeyValue header, then the key, then the value
        if (c === 0x22) {
          // string
          const vs = i + 1;
          let v = vs;
          let escaped = false;
          for (; v < e; v++) {
            const x = b[v];
            if (x === 0x22) break;
            if (x < 0x20) return undefined;
            if (x === 0x5c) {
              escaped = true;
              v++;
            }
            high |= x;
          }
          if (v >= e) return undefined;
          i = v + 1;
          if (levelKey !== undefined && klen === levelKey.length && same(b, ks, levelKey)) {
            if (escaped) return undefined;
            level = b.toString('utf8', vs, v);
          }
          if (klen === 8 && same(b, ks, TRACE_ID)) {
            if (escaped || v - vs !== 32) return undefined;
            traceAt = vs;
          } else if (klen === 7 && same(b, ks, SPAN_ID)) {
            if (escaped || v - vs !== 16) return undefined;
            spanAt = vs;
          } else if (klen === 11 && same(b, ks, TRACE_FLAGS)) return undefined;
          let str: Buffer | undefined;
          if (escaped) {
            let decoded: unknown;
            try {
              decoded = JSON.parse(b.toString('utf8', vs - 1, v + 1));
            } catch {
              return undefined;
            }
            str = Buffer.from(decoded as string);
          }
          const slen = str !== undefined ? str.length : v - vs;
          const any = 1 + varintSize(slen) + slen;
          const kv = keyField + 1 + varintSize(any) + any;
          p = this.kvHead(o, p, kv, ks, ke);
          o[p++] = 0x12;
          p = putVarint(o, p, any);
          o[p++] = 0x0a;
          p = putVarint(o, p, slen);
          p = str !== undefined ? put(o, p, str, 0, slen) : putWithin(o, p, vs, v);
        } else if (c === 0x74 || c === 0x66) {
          // true / false
          const t = c === 0x74;
          if (t ? !lit(b, i, e, 'true') : !lit(b, i, e, 'false')) return undefined;
          i += t ? 4 : 5;
          if (isTraceKey(b, ks, ke) || this.isLevelKey(b, ks, ke)) return undefined;
          p = this.kvHead(o, p, keyField + 4, ks, ke);
          o[p++] = 0x12;
          o[p++] = 2;
          o[p++] = 0x10;
          o[p++] = t ? 1 : 0;
        } else if (c === 0x6e) {
          // null: a KeyValue without a value
          if (!lit(b, i, e, 'null')) return undefined;
          i += 4;
          if (isTraceKey(b, ks, ke) || this.isLevelKey(b, ks, ke)) return undefined;
          p = this.kvHead(o, p, keyField, ks, ke);
        } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          const ne = numberEnd(b, i, e);
          if (ne < 0) return undefined;
          if (isTraceKey(b, ks, ke)) return undefined;
          const n = ne - i <= 15 ? smallNumber(b, i, ne) : Number(b.toString('latin1', i, ne));
          i = ne;
          if (levelKey !== undefined && klen === levelKey.length && same(b, ks, levelKey)) {
            if (!Number.isSafeInteger(n)) return undefined;
            level = n;
          }
          if (Number.isSafeInteger(n)) {
            const any = 1 + int64Size(n);
            p = this.kvHead(o, p, keyField + 1 + varintSize(any) + any, ks, ke);
            o[p++] = 0x12;
            p = putVarint(o, p, any);
            o[p++] = 0x18;
            p = putInt64(o, p, n);
          } else {
            p = this.kvHead(o, p, keyField + 11, ks, ke);
            o[p++] = 0x12;
            o[p++] = 9;
            o[p++] = 0x21;
            o.writeDoubleLE(n, p);
            p += 8;
          }
        } else return undefined; // nested object or array, or not JSON: the operators decide
        while (i < e && WS(b[i])) i++;
        if (b[i] === 0x2c) {
          i++;
          while (i < e && WS(b[i])) i++;
          continue;
        }
        if (b[i] !== 0x7d) return undefined;
        i++;
        break;
      }
    while (i < e && WS(b[i])) i++;
    if (i !== e) return undefined;
    if (high >= 0x80 && !isUtf8(b.subarray(s, e))) return undefined;
    if (traceAt < 0 && this.plan.traceNeedsTraceId) spanAt = -1;
    const sev = this.plan.severity;
    if (sev !== undefined) {
      if (level === undefined) {
        if (!sev.onlyIfPresent) return undefined; // the operator's error: on_error decides
      } else {
        const fields = this.severityFields(sev.parser, level);
        if (fields === undefined) return undefined;
        // severity number and text go before the body (fields 2, 3 before 5)
        o.copyWithin(bodyAt + fields.length, bodyAt, p);
        o.set(fields, bodyAt);
        p += fields.length;
      }
    }
    o.set(tailBytes, p);
    p += tailBytes.length;
    let traced = false;
    if (traceAt >= 0) {
      o[p++] = 0x4a;
      o[p++] = 16;
      if (!hexInto(b, traceAt, o, p, 16)) return undefined;
      for (let k = 0; k < 16; k++) if (o[p + k] !== 0) traced = true; // all zero: not a valid ID
      p += 16;
    }
    if (spanAt >= 0) {
      o[p++] = 0x52;
      o[p++] = 8;
      if (!hexInto(b, spanAt, o, p, 8)) return undefined;
      p += 8;
    }
    if (observed !== 0n) {
      if (observed !== this.observed) {
        this.observed = observed;
        putFixed64(this.observedBytes, 0, observed);
      }
      o[p++] = 0x59;
      const ob = this.observedBytes;
      for (let k = 0; k < 8; k++) o[p++] = ob[k];
    }
    // the field header with a minimal length, the record moved up to it
    const len = p - rec;
    const h = 1 + varintSize(len);
    let start = rec;
    if (h < 4) {
      start = this.pos + h;
      o.copyWithin(start, rec, p);
    }
    o[this.pos] = 0x12;
    putVarint(o, this.pos + 1, len);
    this.lastTraced = traced;
    this.pos = start + len;
    return res;
  }

  private isLevelKey(b: Buffer, ks: number, ke: number): boolean {
    const k = this.plan.severity?.key;
    return k !== undefined && ke - ks === k.length && same(b, ks, k);
  }

  /** The encoded severity number and text severity_parser gives `level`; undefined if it fails on it. */
  private severityFields(parser: SeverityParser, level: string | number): Buffer | undefined {
    const key = typeof level === 'number' ? `n${level}` : `s${level}`;
    let f = this.sevCache.get(key);
    if (f !== undefined) return f ?? undefined;
    const e = { attributes: { [this.plan.severity!.key.toString()]: level }, severity: 0, severityText: '' };
    try {
      parser.apply(e as unknown as Entry);
      const text = Buffer.from(e.severityText);
      if (text.length > 100) f = null;
      else {
        const parts: number[] = [];
        if (e.severity !== 0) parts.push(0x10, e.severity); // 1..24: a one-byte varint
        if (text.length > 0) parts.push(0x1a, text.length, ...text);
        f = Buffer.from(parts);
      }
    } catch {
      f = null;
    }
    if (this.sevCache.size >= 1024) this.sevCache.clear();
    this.sevCache.set(key, f);
    return f ?? undefined;
  }

  /** Writes a KeyValue's tag, length and key field. */
  private kvHead(o: Buffer, p: number, kv: number, ks: number, ke: number): number {
    o[p++] = 0x32;
    p = putVarint(o, p, kv);
    o[p++] = 0x0a;
    p = putVarint(o, p, ke - ks);
    return putWithin(o, p, ks, ke);
  }

  /**
   * The CRI time b[s, a) as Unix nanos in tsLo/tsHi (the 64-bit value's halves); false if
   * it is not RFC 3339. The common `...:SS[.fraction]Z` form is read here on the bytes, with
   * the seconds of the last distinct prefix cached; other forms go through parseRfc3339Nano.
   */
  private time(b: Buffer, s: number, a: number): boolean {
    let nanos = 0;
    let prefixOk = a - s >= 20 && a - s <= 30 && b[a - 1] === 0x5a;
    if (prefixOk) {
      let i = s + 19;
      if (b[i] === 0x2e) {
        i++;
        const d = i;
        for (; i < a - 1; i++) {
          const c = b[i] - 48;
          if (c < 0 || c > 9) break;
          nanos = nanos * 10 + c;
        }
        const n = i - d;
        if (n === 0 || n > 9 || i !== a - 1) prefixOk = false;
        else for (let k = n; k < 9; k++) nanos *= 10;
      } else if (i !== a - 1) prefixOk = false;
    }
    let base: bigint | undefined;
    if (prefixOk) {
      if (!this.prefixSet || !same(b, s, this.prefix)) {
        base = parseRfc3339Nano(`${b.toString('latin1', s, s + 19)}Z`);
        if (base === undefined) return false;
        b.copy(this.prefix, 0, s, s + 19);
        this.prefixSet = true;
        const u = BigInt.asUintN(64, base);
        this.baseLo = Number(u & 0xffffffffn);
        this.baseHi = Number(u >> 32n);
      }
    } else {
      base = parseRfc3339Nano(b.toString('latin1', s, a));
      if (base === undefined) return false;
      this.prefixSet = false;
      const u = BigInt.asUintN(64, base);
      this.tsLo = Number(u & 0xffffffffn);
      this.tsHi = Number(u >> 32n);
      return true;
    }
    const lo = this.baseLo + nanos;
    this.tsLo = lo >>> 0;
    this.tsHi = (this.baseHi + (lo >= 4294967296 ? 1 : 0)) >>> 0;
    return true;
  }

  /** The key b[ks, ke) is not one seen before in the line, nor one of the file's own attributes. */
  private newKey(b: Buffer, ks: number, ke: number, n: number, reserved: Buffer[]): boolean {
    const len = ke - ks;
    if (len === 9 && same(b, ks, PROTO)) return false;
    for (let r = 0; r < reserved.length; r++) {
      const x = reserved[r];
      if (x.length === len && same(b, ks, x)) return false;
    }
    const at = this.keyAt;
    for (let j = 0; j < n; j++) {
      const s = at[j * 2];
      if (at[j * 2 + 1] - s !== len) continue;
      let same = true;
      for (let q = 0; q < len; q++)
        if (b[s + q] !== b[ks + q]) {
          same = false;
          break;
        }
      if (same) return false;
    }
    return true;
  }

  /**
   * Goes on in a new buffer with room for `min` bytes after the open run, which moves there
   * (a run is one ScopeLogs entry, in one buffer). The writer lets go of the old buffer: it
   * goes back to the pool once the runs handed over from it are let go too.
   */
  private nextChunk(min: number): void {
    const run = this.runStart >= 0 ? this.pos - this.runStart : 0;
    const size = GAP + run + min;
    const old = this.lease;
    // a run larger than a pooled buffer gets one of twice its size (not kept in the pool)
    this.lease = this.pool.take(size <= CHUNK ? size : 2 * size);
    const o = this.lease.buf;
    if (this.runStart >= 0) {
      old.buf.copy(o, GAP, this.runStart, this.pos);
      this.moved += run;
      this.unused += old.buf.length - this.runStart + GAP;
      this.runStart = GAP;
      this.pos = GAP + run;
      // the record being written is placed after the run (the caller reads this.pos)
    } else {
      this.unused += old.buf.length - this.pos;
      this.pos = this.starting ? GAP : 0;
    }
    this.out = o;
    old.release();
  }
}

/** trace_id / span_id / trace_flags with a value that is not a string: the operators report it. */
function isTraceKey(b: Buffer, ks: number, ke: number): boolean {
  const len = ke - ks;
  return (
    (len === 8 && same(b, ks, TRACE_ID)) ||
    (len === 7 && same(b, ks, SPAN_ID)) ||
    (len === 11 && same(b, ks, TRACE_FLAGS))
  );
}

function lit(b: Buffer, i: number, e: number, word: string): boolean {
  if (i + word.length > e) return false;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** The JSON number b[i, e) of at most 15 characters: plain integers summed here, others by Number(). */
function smallNumber(b: Buffer, i: number, e: number): number {
  const neg = b[i] === 0x2d;
  let v = 0;
  for (let k = neg ? i + 1 : i; k < e; k++) {
    const c = b[k] - 48;
    if (c < 0 || c > 9) return Number(b.toString('latin1', i, e));
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** The end of a JSON number starting at i (RFC 8259 grammar), -1 if it is not one. */
function numberEnd(b: Buffer, i: number, e: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= e) return -1;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) while (i < e && b[i] >= 0x30 && b[i] <= 0x39) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    const d = i;
    while (i < e && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === d) return -1;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    const d = i;
    while (i < e && b[i] >= 0x30 && b[i] <= 0x39) i++;
    if (i === d) return -1;
  }
  return i;
}

/** n bytes from 2n hex digits at b[at]; false if one is not a hex digit. */
function hexInto(b: Buffer, at: number, o: Buffer, p: number, n: number): boolean {
  let bad = 0;
  for (let k = 0; k < n; k++) {
    const hi = HEX[b[at + 2 * k]];
    const lo = HEX[b[at + 2 * k + 1]];
    bad |= hi | lo;
    o[p + k] = (hi << 4) | lo;
  }
  return bad >= 0;
}
