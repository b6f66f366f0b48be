// otel-mode log documents written straight from the request's protobuf bytes.
//
// A ResourceLogs whose scope list was never read still holds the receiver's wire
// bytes (src/pdata/lazy.ts). Decoding them into pdata objects only to turn every
// field into a JS string and then into UTF-8 again cost about a third of the
// pipeline's main-thread time (issue 17 profile). Here each record's fields are
// read from the wire and written as JSON bytes into one reusable buffer: UTF-8
// strings are copied (escaped where JSON needs it), IDs hexed by table,
// timestamps formatted from their 32-bit halves. The output is byte-for-byte
// what documents.ts logDocument writes for the decoded record (wire-logs.test.ts
// compares both on varied input); anything this file does not write natively
// (array bodies as text) is decoded with the codec's own decoder and written
// with the same functions the slow path uses.
import { isUtf8 } from 'node:buffer';
import { takeBuffer } from '../../src/codec/buffer-pool.js';
import { UNLIMITED_BUDGET } from '../../src/codec/decode-budget.js';
import { decodeAnyValue } from '../../src/codec/proto-common.js';
import { Reader } from '../../src/codec/proto-wire.js';
import { quote, textOf } from './json.js';

/** Thrown when a record needs the slow path (a routing attribute, an unexpected wire type). */
export class NeedsSlowPath extends Error {}

const SLOW = new NeedsSlowPath('slow path');

type FastBuffer = Buffer & {
  latin1Write(s: string, offset: number, length: number): number;
  utf8Write(s: string, offset: number, length: number): number;
  utf8Slice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
};

/** Where a document is written: aimed at a _bulk body's free space (BulkWriter.beginDoc). */
export class DocBuf {
  buf = Buffer.allocUnsafe(0) as FastBuffer;
  len = 0;

  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    // (from the pool: it becomes a _bulk body's buffer, given back with it; see bulk-body.ts)
    const bigger = takeBuffer(Math.max(this.buf.length * 2, this.len + n)) as FastBuffer;
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** Any text, as UTF-8. */
  utf8(s: string): void {
    this.room(s.length * 3);
    this.len += this.buf.utf8Write(s, this.len, this.buf.length - this.len);
  }
}

// ---------------------------------------------------------------- wire reading
// The bytes were validated when the request arrived; a surprise still throws (and the
// caller falls back to the decoding path, which reports it as it always did).

/** Read position (module-level: no reader object per record). */
let p = 0;
/** High 32 bits of the last varint64(). */
let hi = 0;

function varint32(b: Uint8Array): number {
  let v = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    const c = b[p++];
    if (c === undefined) throw SLOW;
    if (shift < 32) v |= (c & 0x7f) << shift;
    if (c < 0x80) return v >>> 0;
  }
  throw SLOW;
}

function varint64(b: Uint8Array): number {
  let lo = 0;
  let h = 0;
  for (let i = 0; i < 10; i++) {
    const c = b[p++];
    if (c === undefined) throw SLOW;
    if (i < 4) lo |= (c & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (c & 0x0f) << 28;
      h = (c & 0x7f) >>> 4;
    } else h |= (c & 0x7f) << (7 * i - 32);
    if (c < 0x80) {
      hi = h >>> 0;
      return lo >>> 0;
    }
  }
  throw SLOW;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** Skips a field of wire type `t & 7` at p. */
function skip(b: Uint8Array, t: number): void {
  switch (t & 7) {
    case 0:
      varint64(b);
      return;
    case 1:
      p += 8;
      return;
    case 2: {
      const n = varint32(b);
      p += n;
      return;
    }
    case 5:
      p += 4;
      return;
    case 3: {
      const field = t >>> 3;
      for (;;) {
        const inner = varint32(b);
        if ((inner & 7) === 4) {
          if (inner >>> 3 !== field) throw SLOW;
          return;
        }
        skip(b, inner);
      }
    }
    default:
      throw SLOW;
  }
}

// ---------------------------------------------------------------- JSON writing
//
// A document's room is reserved once (reserve()): no JSON text here is longer than six bytes
// per wire byte plus the fixed field names (see DOC_SLACK), so the writers below take the
// buffer `O` and a position and return the new position, without a bounds check or a
// property store per write. Only the rare fallbacks that write a JS string (invalid UTF-8,
// array bodies as text) go through DocBuf, which grows the buffer when it must.

/** The buffer of the document being written (the DocBuf's, its room reserved). */
let O = Buffer.allocUnsafe(0) as FastBuffer;
/** The DocBuf of the document being written (for the fallbacks). */
let D = new DocBuf();

/** Room for a document of a record of `wireBytes` bytes plus `extra` bytes of given parts, then aims O at it. */
function reserve(d: DocBuf, wireBytes: number, extra: number): number {
  bound = wireBytes * 6 + DOC_SLACK + extra;
  d.room(bound);
  D = d;
  O = d.buf;
  return d.len;
}

/**
 * Bytes beyond six per wire byte a document may take: the field names (about 230 bytes) and
 * the observed time written twice when the record has no time of its own (30).
 */
const DOC_SLACK = 512;

/** The current document's reserved room (reserve()). */
let bound = 0;

/**
 * A JS string (a fallback's text, which the per-wire-byte bound does not cover: an array body's
 * text escapes twice) at `at`, through DocBuf; room for the rest of the document is reserved
 * again after it.
 */
function putText(at: number, s: string): number {
  D.len = at;
  D.room(s.length * 3 + bound);
  D.utf8(s);
  O = D.buf;
  return D.len;
}

/** Bytes (field names, fragments): short ones by loop, which beats a native call. */
function put(at: number, src: Uint8Array): number {
  const n = src.length;
  const out = O;
  if (n > 64) {
    out.set(src, at);
    return at + n;
  }
  for (let i = 0; i < n; i++) out[at + i] = src[i];
  return at + n;
}

/** ASCII text (numbers, literals). */
function putAscii(at: number, s: string): number {
  const out = O;
  const n = s.length;
  for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
  return at + n;
}

/** A non-negative integer below 2^53 in decimal. */
function putUint(at: number, v: number): number {
  if (v < 10) {
    O[at] = 0x30 + v;
    return at + 1;
  }
  if (v < 100) {
    const t = (v / 10) | 0;
    O[at] = 0x30 + t;
    O[at + 1] = 0x30 + v - 10 * t;
    return at + 2;
  }
  return putAscii(at, String(v));
}

const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX[2 * i] = h.charCodeAt(0);
  HEX[2 * i + 1] = h.charCodeAt(1);
}

/** Bytes of a JSON string needing attention: control characters, `"`, `\` and non-ASCII. */
const SPECIAL = new Uint8Array(256);
for (let i = 0; i < 0x20; i++) SPECIAL[i] = 1;
SPECIAL[0x22] = 1;
SPECIAL[0x5c] = 1;
for (let i = 0x80; i < 256; i++) SPECIAL[i] = 2;
/** The letter of a two-character escape (\n …), 0 for the \u00XX ones. */
const SHORT_ESCAPE = new Uint8Array(0x60);
for (const [c, e] of [
  [8, 0x62],
  [9, 0x74],
  [10, 0x6e],
  [12, 0x66],
  [13, 0x72],
  [0x22, 0x22],
  [0x5c, 0x5c],
])
  SHORT_ESCAPE[c] = e;

/**
 * The UTF-8 string b[from, to) as a JSON string literal, as JSON.stringify writes the string
 * the decoder makes of it (invalid UTF-8 becomes U+FFFD there, so such a string is decoded).
 * At most 6 bytes per input byte, plus 2.
 */
function quoteBytes(at: number, b: Uint8Array, from: number, to: number): number {
  const out = O;
  const start = at;
  out[at++] = 0x22;
  // Plain printable ASCII (nearly every string) is copied in one pass.
  let i = from;
  for (; i < to; i++) {
    const c = b[i];
    if (SPECIAL[c] !== 0) break;
    out[at++] = c;
  }
  if (i < to) {
    let nonAscii = false;
    for (let j = i; j < to; j++)
      if (b[j] >= 0x80) {
        nonAscii = true;
        break;
      }
    if (nonAscii && !isUtf8(b.subarray(from, to)))
      return putText(
        start,
        JSON.stringify(Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('utf8')),
      );
    for (; i < to; i++) {
      const c = b[i];
      if (SPECIAL[c] !== 1) {
        out[at++] = c;
        continue;
      }
      out[at++] = 0x5c;
      const e = SHORT_ESCAPE[c];
      if (e !== 0) out[at++] = e;
      else {
        out[at++] = 0x75; // \u00XX, lowercase hex as JSON.stringify
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX[2 * c];
        out[at++] = HEX[2 * c + 1];
      }
    }
  }
  out[at++] = 0x22;
  return at;
}

function hexBytes(at: number, b: Uint8Array, from: number, to: number): number {
  const out = O;
  for (let i = from; i < to; i++) {
    const c = b[i];
    out[at++] = HEX[2 * c];
    out[at++] = HEX[2 * c + 1];
  }
  return at;
}

/** int64 from the last varint64() (lo, hi): decimal, as bigint's toString. */
function int64Text(lo: number): string {
  const h = hi | 0;
  if (h >= -0x200000 && h < 0x200000) return String(h * 4294967296 + lo);
  return ((BigInt(h) << 32n) | BigInt(lo)).toString();
}

// Timestamps: seconds and nanoseconds from the fixed64's 32-bit halves, without bigint.
let hiCached = -1;
let hiSec = 0;
let hiRem = 0;
let lastSec = -1;
let lastPrefix = new Uint8Array(0);

/** The three ASCII digits of 0…999, by three. */
const DIGITS3 = new Uint8Array(3000);
for (let i = 0; i < 1000; i++) {
  DIGITS3[3 * i] = 0x30 + Math.floor(i / 100);
  DIGITS3[3 * i + 1] = 0x30 + (Math.floor(i / 10) % 10);
  DIGITS3[3 * i + 2] = 0x30 + (i % 10);
}

/** Length of isoAt's text. */
const ISO_LEN = 30;

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` of the fixed64 at b[tsAt] (as json.ts isoNanos). */
function isoAt(at: number, b: Uint8Array, tsAt: number): number {
  const lo = u32le(b, tsAt);
  const h = u32le(b, tsAt + 4);
  if (h !== hiCached) {
    const base = BigInt(h) << 32n;
    hiSec = Number(base / 1_000_000_000n);
    hiRem = Number(base % 1_000_000_000n);
    hiCached = h;
  }
  const x = hiRem + lo; // < 1e9 + 2^32: exact
  const carry = Math.floor(x / 1e9);
  const sec = hiSec + carry;
  const frac = x - carry * 1e9; // < 1e9: an int32
  if (sec !== lastSec) {
    lastPrefix = Buffer.from(new Date(sec * 1000).toISOString().slice(0, 19), 'latin1');
    lastSec = sec;
  }
  const pre = lastPrefix;
  const out = O;
  for (let i = 0; i < pre.length; i++) out[at++] = pre[i];
  out[at++] = 0x2e;
  const ms = (frac / 1e6) | 0;
  const rest = frac - ms * 1e6;
  const us = (rest / 1e3) | 0;
  const ns = rest - us * 1e3;
  out[at++] = DIGITS3[3 * ms];
  out[at++] = DIGITS3[3 * ms + 1];
  out[at++] = DIGITS3[3 * ms + 2];
  out[at++] = DIGITS3[3 * us];
  out[at++] = DIGITS3[3 * us + 1];
  out[at++] = DIGITS3[3 * us + 2];
  out[at++] = DIGITS3[3 * ns];
  out[at++] = DIGITS3[3 * ns + 1];
  out[at++] = DIGITS3[3 * ns + 2];
  out[at++] = 0x5a;
  return at;
}

/** The fixed64s at b[x] and b[y] are equal. */
function same64(b: Uint8Array, x: number, y: number): boolean {
  return u32le(b, x) === u32le(b, y) && u32le(b, x + 4) === u32le(b, y + 4);
}

/** Writes again the `n` bytes written `back` bytes before `at` (a timestamp already formatted). */
function repeat(at: number, back: number, n: number): number {
  const out = O;
  for (let i = at - back, end = i + n; i < end; i++) out[at++] = out[i];
  return at;
}

function isZero64(b: Uint8Array, at: number): boolean {
  return u32le(b, at) === 0 && u32le(b, at + 4) === 0;
}

// ---------------------------------------------------------------- AnyValue

/** The oneof field an AnyValue (message at b[start, end)) ends up with: 0 for none; value at `valueAt`. */
let valueAt = 0;
function anyKind(b: Uint8Array, start: number, end: number): number {
  p = start;
  let kind = 0;
  while (p < end) {
    const t = varint32(b);
    const f = t >>> 3;
    if (f >= 1 && f <= 8) {
      const wt = f === 1 || f === 5 || f === 6 || f === 7 ? 2 : f === 4 ? 1 : 0;
      if ((t & 7) !== wt) throw SLOW;
      kind = f === 8 ? 0 : f;
      valueAt = p;
    }
    skip(b, t);
  }
  return kind;
}

/** JSON of the AnyValue message at b[start, end), as json-text.ts jsonValue. */
function anyJson(at: number, b: Uint8Array, start: number, end: number): number {
  const kind = anyKind(b, start, end);
  let vAt = valueAt;
  switch (kind) {
    case 1: {
      p = vAt;
      const n = varint32(b);
      return quoteBytes(at, b, p, p + n);
    }
    case 2:
      p = vAt;
      return putAscii(at, varint64(b) !== 0 || hi !== 0 ? 'true' : 'false');
    case 3:
      p = vAt;
      return putAscii(at, int64Text(varint64(b)));
    case 4: {
      const v = Buffer.from(b.buffer, b.byteOffset + vAt, 8).readDoubleLE(0);
      return putAscii(at, Number.isFinite(v) ? String(v) : `"${v}"`);
    }
    case 5: {
      p = vAt;
      const n = varint32(b);
      vAt = p;
      const stop = vAt + n;
      O[at++] = 0x5b;
      let first = true;
      while (vAt < stop) {
        p = vAt;
        const t = varint32(b);
        if (t >>> 3 !== 1) {
          skip(b, t);
          vAt = p;
          continue;
        }
        if ((t & 7) !== 2) throw SLOW;
        const len = varint32(b);
        const vs = p;
        vAt = vs + len;
        if (!first) O[at++] = 0x2c;
        first = false;
        at = anyJson(at, b, vs, vs + len);
      }
      O[at++] = 0x5d;
      return at;
    }
    case 6: {
      p = vAt;
      const n = varint32(b);
      return kvObject(at, b, p, p + n, false);
    }
    case 7: {
      p = vAt;
      const n = varint32(b);
      return putAscii(at, `"${Buffer.from(b.buffer, b.byteOffset + p, n).toString('base64')}"`);
    }
    default:
      return putAscii(at, 'null');
  }
}

const DATA_STREAM = Buffer.from('data_stream.');
const ELASTICSEARCH = Buffer.from('elasticsearch.');

function startsWith(b: Uint8Array, from: number, to: number, prefix: Buffer): boolean {
  if (to - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[from + i] !== prefix[i]) return false;
  return true;
}

/** documents.ts isRoutingAttr on the key's bytes (its prefixes are ASCII, so bytes decide alike). */
function routingKey(b: Uint8Array, from: number, to: number): boolean {
  return startsWith(b, from, to, DATA_STREAM) || startsWith(b, from, to, ELASTICSEARCH);
}

/**
 * One KeyValue (message at b[start, end)) as `"key":value`. Last key and last value win, as the
 * decoder; a KeyValue without value is null. `routing`: throw for a routing attribute.
 */
function keyValue(at: number, b: Uint8Array, start: number, end: number, routing: boolean): number {
  p = start;
  let keyFrom = 0;
  let keyTo = 0;
  let valFrom = -1;
  let valTo = -1;
  while (p < end) {
    const t = varint32(b);
    const f = t >>> 3;
    if (f === 1 || f === 2) {
      if ((t & 7) !== 2) throw SLOW;
      const n = varint32(b);
      if (f === 1) {
        keyFrom = p;
        keyTo = p + n;
      } else {
        valFrom = p;
        valTo = p + n;
      }
      p += n;
    } else skip(b, t);
  }
  if (routing && routingKey(b, keyFrom, keyTo)) throw SLOW;
  at = quoteBytes(at, b, keyFrom, keyTo);
  O[at++] = 0x3a;
  if (valFrom < 0) return putAscii(at, 'null');
  return anyJson(at, b, valFrom, valTo);
}

/** `{…}` of the KeyValues (field 1) of the message at b[start, end) (a KeyValueList). */
function kvObject(at: number, b: Uint8Array, start: number, end: number, routing: boolean): number {
  O[at++] = 0x7b;
  let kvAt = start;
  let first = true;
  while (kvAt < end) {
    p = kvAt;
    const t = varint32(b);
    if (t >>> 3 !== 1) {
      skip(b, t);
      kvAt = p;
      continue;
    }
    if ((t & 7) !== 2) throw SLOW;
    const n = varint32(b);
    const from = p;
    kvAt = from + n;
    if (!first) O[at++] = 0x2c;
    first = false;
    at = keyValue(at, b, from, kvAt, routing);
  }
  O[at++] = 0x7d;
  return at;
}

/** The body as text (documents.ts textOf), quoted. */
function bodyText(at: number, b: Uint8Array, kind: number, vAt: number, start: number, end: number): number {
  switch (kind) {
    case 1: {
      p = vAt;
      const n = varint32(b);
      return quoteBytes(at, b, p, p + n);
    }
    case 2:
      p = vAt;
      return putAscii(at, varint64(b) !== 0 || hi !== 0 ? '"true"' : '"false"');
    case 3:
      p = vAt;
      return putAscii(at, `"${int64Text(varint64(b))}"`);
    case 4:
      return putAscii(at, `"${Buffer.from(b.buffer, b.byteOffset + vAt, 8).readDoubleLE(0)}"`);
    default: {
      // bytes and arrays: the slow path's own text
      const r = new Reader(b.subarray(start - lenPrefixSize(end - start), end), UNLIMITED_BUDGET);
      return putText(at, quote(textOf(decodeAnyValue(r))));
    }
  }
}

function lenPrefixSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

// ---------------------------------------------------------------- records

const ATTRS = { at: new Int32Array(64), n: 0 };

/** (closes the @timestamp string) */
const F_OBSERVED = Buffer.from('","observed_timestamp":"');
const F_BODY_STRUCTURED = Buffer.from(',"body":{"structured":');
const F_BODY_TEXT = Buffer.from(',"body":{"text":');
const F_SEVERITY_TEXT = Buffer.from(',"severity_text":');
const F_SEVERITY_NUMBER = Buffer.from(',"severity_number":');
const F_EVENT_NAME = Buffer.from(',"event_name":');
const F_TRACE_ID = Buffer.from(',"trace_id":"');
const F_SPAN_ID = Buffer.from(',"span_id":"');
const F_TRACE_FLAGS = Buffer.from(',"trace_flags":');
const F_ATTRIBUTES = Buffer.from(',"attributes":{');
const F_DROPPED = Buffer.from(',"dropped_attributes_count":');

/**
 * What every otel-mode document of one scope shares, encoded once for all its records
 * (logDocument's fixed parts around the record's own fields).
 */
export class ScopeParts {
  /** The action line, its newline and the source's opening up to the @timestamp value. */
  readonly head: Buffer;
  /** Closes the timestamp string, then the data_stream fragment (and the opening of a text / structured body). */
  readonly mid: Buffer;
  readonly midText: Buffer;
  readonly midStructured: Buffer;
  /** The resource and scope fragments, the closing brace and the newline; then the next document's head. */
  readonly tailHead: Buffer;
  /** Where the source starts in `head`. */
  readonly srcOffset: number;
  constructor(action: Buffer, ds: string, tail: string) {
    this.head = Buffer.concat([action, Buffer.from('\n{"@timestamp":"')]);
    this.srcOffset = action.length + 1;
    this.mid = Buffer.from(`"${ds}`);
    this.midText = Buffer.concat([this.mid, F_BODY_TEXT]);
    this.midStructured = Buffer.concat([this.mid, F_BODY_STRUCTURED]);
    this.tailHead = Buffer.concat([Buffer.from(`${tail}\n`), this.head]);
  }
}

// The next document's head, written with the previous document's tail (one copy, not two):
// where it is, valid while the buffer, the position and the scope are the same (a buffer grown
// or a document moved to the next body leaves it behind; then the head is written again).
let headBuf: Uint8Array | undefined;
let headAt = -1;
let headParts: ScopeParts | undefined;

/**
 * The _bulk lines (action, otel-mode source with `parts`' resource and scope, newline) of the
 * LogRecord message at b[start, end), into `d` from d.len; its source starts at
 * d.len + parts.srcOffset. Throws NeedsSlowPath for a record with a routing attribute (it is
 * routed on its own) or anything unexpected.
 */
export function otelLogDocument(
  d: DocBuf,
  b: Uint8Array,
  start: number,
  end: number,
  parts: ScopeParts,
): void {
  let timeAt = -1;
  let observedAt = -1;
  let sevNum = 0;
  let sevTextAt = -1;
  let bodyAt = -1;
  let dropped = 0;
  let flags = 0;
  let traceAt = -1;
  let spanAt = -1;
  let eventAt = -1;
  ATTRS.n = 0;
  p = start;
  while (p < end) {
    const t = varint32(b);
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== 1) throw SLOW;
        timeAt = p;
        p += 8;
        break;
      case 2:
        if ((t & 7) !== 0) throw SLOW;
        sevNum = varint32(b) | 0;
        break;
      case 3:
        if ((t & 7) !== 2) throw SLOW;
        sevTextAt = p;
        skip(b, t);
        break;
      case 5:
        if ((t & 7) !== 2) throw SLOW;
        bodyAt = p;
        skip(b, t);
        break;
      case 6:
        if ((t & 7) !== 2) throw SLOW;
        if (ATTRS.n === ATTRS.at.length) {
          const bigger = new Int32Array(ATTRS.n * 2);
          bigger.set(ATTRS.at);
          ATTRS.at = bigger;
        }
        ATTRS.at[ATTRS.n++] = p;
        skip(b, t);
        break;
      case 7:
        if ((t & 7) !== 0) throw SLOW;
        dropped = varint32(b);
        break;
      case 8:
        if ((t & 7) !== 5) throw SLOW;
        flags = u32le(b, p);
        p += 4;
        break;
      case 9:
        if ((t & 7) !== 2) throw SLOW;
        traceAt = p;
        skip(b, t);
        break;
      case 10:
        if ((t & 7) !== 2) throw SLOW;
        spanAt = p;
        skip(b, t);
        break;
      case 11:
        if ((t & 7) !== 1) throw SLOW;
        observedAt = p;
        p += 8;
        break;
      case 12:
        if ((t & 7) !== 2) throw SLOW;
        eventAt = p;
        skip(b, t);
        break;
      default:
        skip(b, t);
    }
  }
  if (p !== end) throw SLOW;
  const hasTime = timeAt >= 0 && !isZero64(b, timeAt);
  const hasObserved = observedAt >= 0 && !isZero64(b, observedAt);
  if (!hasTime && !hasObserved) throw SLOW; // no time at all: the slow path stamps "now"

  let at = reserve(d, end - start, parts.head.length + parts.midText.length + parts.tailHead.length);
  if (O === headBuf && at === headAt && parts === headParts) at += parts.head.length;
  else at = put(at, parts.head);
  at = isoAt(at, b, hasTime ? timeAt : observedAt);
  if (hasObserved) {
    at = put(at, F_OBSERVED);
    // the observed time is most often the time itself: its text again
    if (!hasTime || same64(b, timeAt, observedAt)) at = repeat(at, ISO_LEN + F_OBSERVED.length, ISO_LEN);
    else at = isoAt(at, b, observedAt);
  }
  const bodyKind = bodyAt >= 0 ? anyKindAt(b, bodyAt) : 0;
  if (bodyKind === 6) {
    at = put(at, parts.midStructured);
    at = anyJson(at, b, bodyFrom, bodyTo);
    O[at++] = 0x7d;
  } else if (bodyKind !== 0) {
    at = put(at, parts.midText);
    at = bodyText(at, b, bodyKind, valueAt, bodyFrom, bodyTo);
    O[at++] = 0x7d;
  } else at = put(at, parts.mid);
  if (sevTextAt >= 0) {
    p = sevTextAt;
    const n = varint32(b);
    if (n > 0) {
      at = put(at, F_SEVERITY_TEXT);
      at = quoteBytes(at, b, p, p + n);
    }
  }
  if (sevNum !== 0) {
    at = put(at, F_SEVERITY_NUMBER);
    at = sevNum > 0 ? putUint(at, sevNum) : putAscii(at, String(sevNum));
  }
  if (eventAt >= 0) {
    p = eventAt;
    const n = varint32(b);
    if (n > 0) {
      at = put(at, F_EVENT_NAME);
      at = quoteBytes(at, b, p, p + n);
    }
  }
  if (traceAt >= 0) {
    p = traceAt;
    const n = varint32(b);
    if (n > 0) {
      at = put(at, F_TRACE_ID);
      at = hexBytes(at, b, p, p + n);
      O[at++] = 0x22;
    }
  }
  if (spanAt >= 0) {
    p = spanAt;
    const n = varint32(b);
    if (n > 0) {
      at = put(at, F_SPAN_ID);
      at = hexBytes(at, b, p, p + n);
      O[at++] = 0x22;
    }
  }
  if (flags !== 0) {
    at = put(at, F_TRACE_FLAGS);
    at = putUint(at, flags & 0xff);
  }
  if (ATTRS.n > 0) {
    at = put(at, F_ATTRIBUTES);
    const n = ATTRS.n;
    for (let i = 0; i < n; i++) {
      p = ATTRS.at[i];
      const len = varint32(b);
      if (i > 0) O[at++] = 0x2c;
      at = keyValue(at, b, p, p + len, true);
    }
    O[at++] = 0x7d;
  }
  if (dropped !== 0) {
    at = put(at, F_DROPPED);
    at = putUint(at, dropped);
  }
  at = put(at, parts.tailHead);
  // The reservation's bound is reasoned, not checked per write: a document that outgrew its room
  // would have lost the writes past the buffer's end, so it goes to the slow path instead of out.
  if (at > O.length) throw SLOW;
  headBuf = O;
  headAt = at - parts.head.length;
  headParts = parts;
  d.buf = O;
  d.len = headAt;
}

/** Where anyKindAt's AnyValue message is. */
let bodyFrom = 0;
let bodyTo = 0;

/** anyKind of the length-prefixed AnyValue at b[at] (its bounds in bodyFrom, bodyTo). */
function anyKindAt(b: Uint8Array, at: number): number {
  p = at;
  const n = varint32(b);
  bodyFrom = p;
  bodyTo = p + n;
  return anyKind(b, bodyFrom, bodyTo);
}

/** A ScopeLogs message's parts: where its scope and schema URL are, and its records. */
export interface ScopeLogsWire {
  /** The scope message (after its tag, at its length prefix), -1 when absent. */
  scopeAt: number;
  /** The schema URL string (at its length prefix), -1 when absent. */
  schemaAt: number;
  /** [start, end) of each LogRecord message, in order. */
  records: number[];
}

/** The parts of the ScopeLogs message at b[start, end) (last scope / schema URL win, as the decoder). */
export function scopeLogsWire(b: Uint8Array, start: number, end: number): ScopeLogsWire {
  const out: ScopeLogsWire = { scopeAt: -1, schemaAt: -1, records: [] };
  p = start;
  while (p < end) {
    const t = varint32(b);
    const f = t >>> 3;
    if (f === 1 || f === 2 || f === 3) {
      if ((t & 7) !== 2) throw SLOW;
      const at = p;
      const n = varint32(b);
      if (f === 1) out.scopeAt = at;
      else if (f === 3) out.schemaAt = at;
      else out.records.push(p, p + n);
      p += n;
    } else skip(b, t);
  }
  return out;
}

/** The [start, end) of each ScopeLogs message in a kept segment (every entry is one, tag included). */
export function scopeEntries(b: Uint8Array): number[] {
  const out: number[] = [];
  p = 0;
  while (p < b.length) {
    const t = varint32(b);
    if ((t & 7) !== 2) throw SLOW;
    const n = varint32(b);
    out.push(p, p + n);
    p += n;
  }
  return out;
}

/** The string at b[at] (length prefix first), decoded as the codec's Reader does. */
export function stringAt(b: Uint8Array, at: number): string {
  p = at;
  const n = varint32(b);
  return Buffer.from(b.buffer, b.byteOffset + p, n).toString('utf8');
}
