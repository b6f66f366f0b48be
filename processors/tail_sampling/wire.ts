// Wire-level access to spans, so that held traces stay protobuf bytes.
//
// In: the scope list of a ResourceSpans (the lazily decoded entry's raw bytes,
// already validated by the receiver's skim, or bytes this process encoded) is
// walked once: each ScopeSpans yields its scope prefix (every field but the
// spans: scope, schema URL, unknown fields, as they came) and each span its
// byte range and the two fields tail sampling groups by: trace_id and
// parent_span_id. Nothing is decoded.
//
// Out: ExportTraceServiceRequest bytes built from prefixes and span bytes
// (a request is the concatenation of its ResourceSpans fields, so any set of
// traces can be written into one buffer).

const TRACE_ID_EMPTY = '\0'.repeat(16);

let pos = 0;

function varint(buf: Uint8Array): number {
  let b = buf[pos++];
  if (b < 0x80) return b;
  let v = b & 0x7f;
  let mul = 128;
  for (let i = 1; i < 10; i++) {
    b = buf[pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  throw new Error('invalid varint');
}

function skip(buf: Uint8Array, wt: number): void {
  switch (wt) {
    case 0:
      varint(buf);
      return;
    case 1:
      pos += 8;
      return;
    case 2: {
      // (not `pos += varint(buf)`: that would add to pos as it was before the length was read)
      const len = varint(buf);
      pos += len;
      return;
    }
    case 5:
      pos += 4;
      return;
    default:
      throw new Error(`unexpected wire type ${wt}`);
  }
}

export interface SpanSink {
  /** A ScopeSpans begins; `prefix` views its non-span fields (tag, length and payload each). */
  scope(prefix: Uint8Array): void;
  /** One span of the current scope: buf[start, end) is its whole field (tag, length, message). */
  span(buf: Uint8Array, start: number, end: number, traceKey: string, isRoot: boolean): void;
}

/**
 * Walks a sequence of fields of a ResourceSpans message (the scope list, or
 * the whole message: fields other than scope_spans are skipped). Throws on
 * malformed input; callers only pass bytes the receiver validated or this
 * process encoded.
 */
export function scanScopeList(seg: Uint8Array, sink: SpanSink): void {
  pos = 0;
  const end = seg.length;
  while (pos < end) {
    const tag = varint(seg);
    if (tag !== 0x12) {
      skip(seg, tag & 7);
      continue;
    }
    const len = varint(seg);
    const stop = pos + len;
    if (stop > end) throw new Error('truncated scope_spans');
    scanScopeSpans(seg, pos, stop, sink);
    pos = stop;
  }
  if (pos !== end) throw new Error('truncated scope list');
}

/** The previous span's trace ID: spans of one trace come together, so its key string is reused. */
const lastId = new Uint8Array(16);
let lastKey = TRACE_ID_EMPTY;

function keyAt(nb: Buffer & { latin1Slice(start: number, end: number): string }, at: number): string {
  let same = true;
  for (let i = 0; i < 16; i++)
    if (nb[at + i] !== lastId[i]) {
      same = false;
      break;
    }
  if (same) return lastKey;
  lastId.set(nb.subarray(at, at + 16));
  lastKey = nb.latin1Slice(at, at + 16);
  return lastKey;
}

/** Reusable scratch for the prefix pieces of one ScopeSpans. */
const prefixStarts: number[] = [];
const prefixEnds: number[] = [];
const spanStarts: number[] = [];
const spanEnds: number[] = [];
const spanKeys: string[] = [];
const spanRoots: boolean[] = [];

function scanScopeSpans(buf: Uint8Array, start: number, stop: number, sink: SpanSink): void {
  prefixStarts.length = 0;
  prefixEnds.length = 0;
  spanStarts.length = 0;
  spanEnds.length = 0;
  spanKeys.length = 0;
  spanRoots.length = 0;
  const nb = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as Buffer & {
    latin1Slice(start: number, end: number): string;
  };
  pos = start;
  while (pos < stop) {
    const fieldStart = pos;
    const tag = varint(buf);
    if (tag === 0x12) {
      const len = varint(buf);
      const body = pos;
      const fieldEnd = body + len;
      if (fieldEnd > stop) throw new Error('truncated span');
      // trace_id (1) and parent_span_id (4); the last occurrence wins, as in the decoder
      let traceKey = TRACE_ID_EMPTY;
      let root = true;
      while (pos < fieldEnd) {
        const t = varint(buf);
        if (t === 0x0a || t === 0x22) {
          const l = varint(buf);
          if (t === 0x0a) traceKey = l === 16 ? keyAt(nb, pos) : TRACE_ID_EMPTY;
          else root = l === 0;
          pos += l;
        } else skip(buf, t & 7);
      }
      if (pos !== fieldEnd) throw new Error('truncated span');
      spanStarts.push(fieldStart);
      spanEnds.push(fieldEnd);
      spanKeys.push(traceKey);
      spanRoots.push(root);
    } else {
      skip(buf, tag & 7);
      prefixStarts.push(fieldStart);
      prefixEnds.push(pos);
    }
  }
  if (pos !== stop) throw new Error('truncated scope_spans');
  sink.scope(joinRanges(buf, prefixStarts, prefixEnds));
  for (let i = 0; i < spanStarts.length; i++)
    sink.span(buf, spanStarts[i], spanEnds[i], spanKeys[i], spanRoots[i]);
}

const EMPTY = new Uint8Array(0);

function joinRanges(buf: Uint8Array, starts: number[], ends: number[]): Uint8Array {
  if (starts.length === 0) return EMPTY;
  if (starts.length === 1) return buf.subarray(starts[0], ends[0]);
  let n = 0;
  for (let i = 0; i < starts.length; i++) n += ends[i] - starts[i];
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < starts.length; i++) {
    out.set(buf.subarray(starts[i], ends[i]), at);
    at += ends[i] - starts[i];
  }
  return out;
}

/** The body of a length-delimited field written at the start of `buf` (skips its tag and length). */
export function fieldBody(buf: Uint8Array): Uint8Array {
  pos = 0;
  varint(buf);
  const len = varint(buf);
  return buf.subarray(pos, pos + len);
}

export function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** Bytes of a length-delimited field with a one-byte tag and a body of `len` bytes. */
export const lenField = (len: number) => 1 + varintSize(len) + len;

/** Writes a length-delimited field header at `at`; returns the position after it. */
export function writeHeader(out: Uint8Array, at: number, tag: number, len: number): number {
  out[at++] = tag;
  while (len >= 128) {
    out[at++] = (len % 128) | 0x80;
    len = Math.floor(len / 128);
  }
  out[at++] = len;
  return at;
}
