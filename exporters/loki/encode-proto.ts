// Hand-written protobuf writer for logproto.PushRequest (Loki's push proto,
// pkg/push/push.proto): two passes, sizes first, then one Buffer written in
// place. PushRequest is small enough that this beats a generic encoder by far.
//
// PushRequest { repeated StreamAdapter streams = 1; }
// StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
// EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
// Timestamp { int64 seconds = 1; int32 nanos = 2; }   LabelPairAdapter { string name = 1; string value = 2; }
import type { LokiEntry, LokiRequest, TextEntry } from './builder.js';

let sizes = new Int32Array(1 << 16);
let n = 0;

function push(v: number): void {
  if (n === sizes.length) {
    const bigger = new Int32Array(sizes.length * 2);
    bigger.set(sizes);
    sizes = bigger;
  }
  sizes[n++] = v;
}

function varintLen(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  if (v < 0x800000000) return 5;
  return Math.ceil(Math.log2(v + 1) / 7);
}

/** Field size of a string (tag + length + bytes); records its byte length. Empty strings are omitted. */
function strField(s: string): number {
  if (s.length === 0) return 0;
  const b = s.length < 64 ? shortByteLength(s) : Buffer.byteLength(s, 'utf8');
  push(b);
  return 1 + varintLen(b) + b;
}

/**
 * UTF-8 length of a short string (label names and values, IDs, severities): a JS loop is
 * cheaper than a native call for these; anything not ASCII is measured by Buffer.byteLength.
 */
function shortByteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function pairsSize(p: string[]): number {
  let total = 0;
  for (let i = 0; i < p.length; i += 2) {
    const at = n;
    push(0);
    const body = strField(p[i]) + strField(p[i + 1]);
    sizes[at] = body;
    total += 1 + varintLen(body) + body;
  }
  return total;
}

// Resource and scope metadata are the same array for every entry below them:
// encoded once per request, then copied.
const shared = new Map<string[], Buffer>();

function sharedPairs(p: string[]): Buffer {
  let b = shared.get(p);
  if (b === undefined) {
    const saveN = n;
    const size = pairsSize(p);
    const w = new Writer(Buffer.allocUnsafe(size));
    w.k = saveN;
    w.pairs(p);
    n = saveN;
    b = w.buf;
    shared.set(p, b);
  }
  return b;
}

function entrySize(e: LokiEntry): number {
  // written from the record's wire bytes already, tag and length included (wire-entries.ts)
  if (e.wire !== undefined) return e.wireEnd - e.wireAt;
  const at = n;
  push(0);
  const { sec, nanos } = e;
  const ts = (sec ? 1 + varintLen(sec) : 0) + (nanos ? 1 + varintLen(nanos) : 0);
  let body = 1 + varintLen(ts) + ts;
  body += strField(e.line);
  body +=
    (e.smResource.length ? sharedPairs(e.smResource).length : 0) +
    (e.smScope.length ? sharedPairs(e.smScope).length : 0);
  body += pairsSize(e.smOwn);
  sizes[at] = body;
  return 1 + varintLen(body) + body;
}

/**
 * Below this many bytes a run of wire entries is copied by a loop. Runs are one or more whole
 * entries (a few hundred bytes and up), where one native copy and its view cost less than a
 * byte loop (wire-entries.ts copies a record's fields, mostly shorter, with a higher bound).
 */
export const RUN_COPY_LOOP_MAX = 96;

class Writer {
  pos = 0;
  k = 0;
  constructor(readonly buf: Buffer) {}

  varint(v: number): void {
    const buf = this.buf;
    while (v >= 0x80) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  str(tag: number, s: string): void {
    if (s.length === 0) return;
    const len = sizes[this.k++];
    this.buf[this.pos++] = tag;
    this.varint(len);
    if (len === s.length && len < 64) {
      // Short ASCII: a JS loop is cheaper than a native call.
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, len, 'utf8');
    }
  }

  pairs(p: string[]): void {
    for (let i = 0; i < p.length; i += 2) {
      this.buf[this.pos++] = 0x1a; // field 3, LEN
      this.varint(sizes[this.k++]);
      this.str(0x0a, p[i]);
      this.str(0x12, p[i + 1]);
    }
  }

  /**
   * The entries of a stream; a run of entries written from wire bytes that lie one after
   * another in the same chunk (wire-entries.ts) is copied at once.
   */
  entries(list: LokiEntry[]): void {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (e.wire === undefined) {
        this.entry(e);
        continue;
      }
      const wire = e.wire;
      let end = e.wireEnd;
      while (i + 1 < list.length) {
        const next = list[i + 1];
        if (next.wire === undefined || next.wire !== wire || next.wireAt !== end) break;
        end = next.wireEnd;
        i++;
      }
      this.copy(wire, e.wireAt, end);
    }
  }

  /** src[a, b) appended: short runs by a loop (a native copy allocates a view per call). */
  copy(src: Buffer, a: number, b: number): void {
    if (b - a < RUN_COPY_LOOP_MAX) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = a; i < b; i++) buf[p++] = src[i];
      this.pos = p;
    } else this.pos += src.copy(this.buf, this.pos, a, b);
  }

  entry(e: TextEntry): void {
    this.buf[this.pos++] = 0x12; // StreamAdapter.entries (2, LEN)
    this.varint(sizes[this.k++]);
    const { sec, nanos } = e;
    const ts = (sec ? 1 + varintLen(sec) : 0) + (nanos ? 1 + varintLen(nanos) : 0);
    this.buf[this.pos++] = 0x0a; // timestamp (1, LEN)
    this.varint(ts);
    if (sec) {
      this.buf[this.pos++] = 0x08;
      this.varint(sec);
    }
    if (nanos) {
      this.buf[this.pos++] = 0x10;
      this.varint(nanos);
    }
    this.str(0x12, e.line);
    if (e.smResource.length) this.pos += shared.get(e.smResource)!.copy(this.buf, this.pos);
    if (e.smScope.length) this.pos += shared.get(e.smScope)!.copy(this.buf, this.pos);
    this.pairs(e.smOwn);
  }
}

/** Largest scratch buffer kept between requests (4× the default max_request_size). */
const SCRATCH_KEEP_MAX = 4 * 1024 * 1024;

/**
 * A buffer reused for requests that are compressed right after encoding: a request is up
 * to max_request_size (1 MiB by default), and a fresh buffer per request is external memory
 * that only a GC gives back.
 */
export class EncodeScratch {
  private buf = Buffer.allocUnsafe(0);
  /** `n` bytes, valid until the next take. */
  take(n: number): Buffer {
    if (n > SCRATCH_KEEP_MAX) return Buffer.allocUnsafe(n); // a rare huge request is not kept
    if (this.buf.length < n)
      this.buf = Buffer.allocUnsafe(Math.min(SCRATCH_KEEP_MAX, Math.max(n, this.buf.length * 2, 64 * 1024)));
    return this.buf.subarray(0, n);
  }
}

/**
 * Encodes one request as an uncompressed PushRequest; with `scratch`, into its buffer (the
 * result is then valid only until the scratch is used again).
 */
export function encodePushRequest(req: LokiRequest, scratch?: EncodeScratch): Buffer {
  n = 0;
  shared.clear();
  let total = 0;
  for (const st of req.streams) {
    const at = n;
    push(0);
    let body = strField(st.labels);
    for (let i = 0; i < st.entries.length; i++) body += entrySize(st.entries[i]);
    sizes[at] = body;
    total += 1 + varintLen(body) + body;
  }
  const w = new Writer(scratch ? scratch.take(total) : Buffer.allocUnsafe(total));
  for (const st of req.streams) {
    w.buf[w.pos++] = 0x0a; // PushRequest.streams (1, LEN)
    w.varint(sizes[w.k++]);
    w.str(0x0a, st.labels);
    w.entries(st.entries);
  }
  if (w.pos !== total) throw new Error(`loki protobuf writer: wrote ${w.pos} of ${total} bytes`);
  return w.buf;
}
