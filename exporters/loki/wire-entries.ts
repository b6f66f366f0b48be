// The fast path of the request builder: Loki entries written straight from a
// resource's OTLP wire bytes (the receiver's lazily kept scope list), without
// decoding the records into pdata, building their line and structured-metadata
// strings, or encoding those strings again. It covers what an SDK or agent
// usually sends with the default config (structured metadata, raw line, no
// attribute labels): string bodies, string/int/bool attributes with ASCII keys.
// Anything else in a resource (another body or value type, a `loki.*` hint, a
// record Loki would reject, nested scope attributes…) makes it return undefined,
// and the builder takes its general path for that resource; the bytes written
// are the same either way (wire-entries.test.ts compares both on varied input).
import { isUtf8 } from 'node:buffer';
import { decodeScope } from '../../src/codec/proto-common.js';
import { Reader } from '../../src/codec/proto-wire.js';
import { levelOf, normalizeLabelName, pushFlat } from './labels.js';

/**
 * One entry written from the wire: its EntryAdapter field, and what the builder needs to
 * group, order, split and retry it — no line or metadata strings (a smaller object per
 * record than the general path's entry).
 */
export interface WireEntry {
  sec: number;
  nanos: number;
  rl: number;
  sl: number;
  idx: number;
  /** The EntryAdapter field (tag, length, fields) `wire[wireAt, wireEnd)`, as encodePushRequest writes it for the equivalent general-path entry. */
  wire: Buffer;
  wireAt: number;
  wireEnd: number;
  /** entrySize() of the equivalent general-path entry (the request split uses it). */
  size: number;
  level: string | undefined;
}

/** What the resource contributes to every entry below it. */
export interface WireResource {
  /** Index of the resource in the batch. */
  rl: number;
  /** Structured metadata pairs of the resource (flat name, value…). */
  smResource: string[];
  now: bigint;
  oldest: bigint;
  newest: bigint;
  maxLineSize: number;
  levelEnabled: boolean;
  /** False when a stream key (by level) would be rejected: the general path reports it. */
  levelOk: (level: string | undefined) => boolean;
}

const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);
const ENC = new TextEncoder();
const CHUNK = 1 << 20;
const EMPTY_BYTES = new Uint8Array(0);

/** Bytes the entries of one build are written into, in chunks; an entry is a view of one. */
export class Arena {
  buf = Buffer.allocUnsafe(CHUNK);
  pos = 0;
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.pos = 0;
  }
}

// Reading: one module-level cursor (the builder is synchronous per resource).
let src: Uint8Array = new Uint8Array(0);
let p = 0;

function varint(): number {
  let b = src[p++];
  if (b < 0x80) return b;
  let v = b & 0x7f;
  let mul = 128;
  for (;;) {
    if (p >= src.length) throw new RangeError('loki wire entries: varint past the end');
    b = src[p++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
}

/** A varint as a signed 64-bit integer's decimal text (int64 attribute values); BigInt only past 2⁴⁹. */
function int64Text(): string {
  const at = p;
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    if (p >= src.length) throw new RangeError('loki wire entries: varint past the end');
    const b = src[p++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) return String(v);
    mul *= 128;
  }
  p = at;
  return varint64().toString();
}

/** A varint as a signed 64-bit integer (int64 attribute values). */
function varint64(): bigint {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (p >= src.length) throw new RangeError('loki wire entries: varint past the end');
    const b = src[p++];
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7n;
  }
  return BigInt.asIntN(64, v);
}

/**
 * The little-endian uint32 at src[i] (a fixed64 is read as two exact halves: no BigInt per
 * record, and returned rather than kept in module variables, where a value past 2³¹ would
 * be boxed, i.e. allocated, on every store).
 */
function u32At(i: number): number {
  return (src[i] | (src[i + 1] << 8) | (src[i + 2] << 16)) + src[i + 3] * 0x1000000;
}

// Unix nanoseconds hi·2³² + lo split into whole seconds and nanoseconds, exactly, in doubles:
// long division by 1e9 in 16-bit steps keeps every intermediate under 2⁵³.
let secOut = 0;
let nanosOut = 0;
function splitNanos(hi: number, lo: number): void {
  const x1 = hi * 0x10000 + (lo >>> 16);
  const q1 = Math.floor(x1 / 1e9);
  const x2 = (x1 - q1 * 1e9) * 0x10000 + (lo & 0xffff);
  const q2 = Math.floor(x2 / 1e9);
  secOut = q1 * 0x10000 + q2;
  nanosOut = x2 - q2 * 1e9;
}

function bigOf(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const F64_BYTES = new Uint8Array(8);
const F64_VIEW = new DataView(F64_BYTES.buffer);

/** A double (wire type 1, little-endian) at src[p], without a view per value. */
function float64(): number {
  for (let i = 0; i < 8; i++) F64_BYTES[i] = src[p + i];
  p += 8;
  return F64_VIEW.getFloat64(0, true);
}

function skip(tag: number): boolean {
  switch (tag & 7) {
    case 0:
      while (src[p++] & 0x80);
      return true;
    case 1:
      p += 8;
      return true;
    case 2: {
      const skipLen = varint();
      p += skipLen;
      return true;
    }
    case 5:
      p += 4;
      return true;
    default:
      return false;
  }
}

/** UTF-16 length of src[a, b) if it is valid UTF-8 (what a JS string of it measures), else -1. */
function utf16Length(a: number, b: number): number {
  for (let i = a; i < b; i++) {
    if (src[i] >= 0x80) {
      const view = src.subarray(a, b);
      if (!isUtf8(view)) return -1;
      let n = i - a;
      for (let j = i; j < b; j++) {
        const c = src[j];
        if ((c & 0xc0) !== 0x80) n++;
        if (c >= 0xf0) n++;
      }
      return n;
    }
  }
  return b - a;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

// Writing into the arena.
let out: Buffer = Buffer.alloc(0);
let q = 0;

function putVarint(v: number): void {
  while (v >= 0x80) {
    out[q++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[q++] = v;
}

function putAscii(s: string): void {
  const o = out;
  let k = q;
  for (let i = 0; i < s.length; i++) o[k++] = s.charCodeAt(i);
  q = k;
}

/** A resource's or scope's encoded metadata: by a loop when short. */
function putShared(b: Uint8Array): void {
  if (b.length < 64) putBytes(b);
  else {
    out.set(b, q);
    q += b.length;
  }
}

/** Bytes written as they are (a name's field, a whole pair): by a loop, they are short. */
function putBytes(b: Uint8Array): void {
  const o = out;
  let k = q;
  for (let i = 0; i < b.length; i++) o[k++] = b[i];
  q = k;
}

/** The LabelPairAdapter `name` field (tag, length, bytes) of an ASCII name; nothing for ''. */
function nameField(name: string): Uint8Array {
  if (name.length === 0) return EMPTY_BYTES;
  const b = new Uint8Array(1 + varintSize(name.length) + name.length);
  let k = 0;
  b[k++] = 0x0a;
  for (let v = name.length; ; ) {
    if (v < 0x80) {
      b[k++] = v;
      break;
    }
    b[k++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  for (let i = 0; i < name.length; i++) b[k++] = name.charCodeAt(i);
  return b;
}

const F_SEVERITY_TEXT = nameField('severity_text');
const F_SEVERITY_NUMBER = nameField('severity_number');
const F_TRACE_ID = nameField('trace_id');
const F_SPAN_ID = nameField('span_id');
const F_OBSERVED = nameField('observed_timestamp');

/** One LabelPairAdapter (field 3): the name field `name` and the value bytes src[a, b); returns the OR of the value's bytes (>= 0x80: not ASCII). */
function putPairFromSrc(name: Uint8Array, a: number, b: number): number {
  const vl = b - a;
  out[q++] = 0x1a;
  putVarint(name.length + 1 + varintSize(vl) + vl);
  putBytes(name);
  out[q++] = 0x12;
  putVarint(vl);
  return copyOut(a, b);
}

/** One LabelPairAdapter with the name field `name` and an ASCII value (non-empty). */
function putPairAscii(name: Uint8Array, value: string): void {
  out[q++] = 0x1a;
  putVarint(name.length + 1 + varintSize(value.length) + value.length);
  putBytes(name);
  out[q++] = 0x12;
  putVarint(value.length);
  putAscii(value);
}

/** The whole severity_number pair of each number below SEVERITY_PAIRS (they repeat record after record). */
const SEVERITY_PAIRS = 64;
const severityPairs: Uint8Array[] = [];
for (let n = 0; n < SEVERITY_PAIRS; n++) {
  const s = String(n);
  const b = new Uint8Array(2 + F_SEVERITY_NUMBER.length + 2 + s.length);
  b[0] = 0x1a;
  b[1] = F_SEVERITY_NUMBER.length + 2 + s.length;
  b.set(F_SEVERITY_NUMBER, 2);
  b[2 + F_SEVERITY_NUMBER.length] = 0x12;
  b[3 + F_SEVERITY_NUMBER.length] = s.length;
  for (let i = 0; i < s.length; i++) b[4 + F_SEVERITY_NUMBER.length + i] = s.charCodeAt(i);
  severityPairs.push(b);
}

/** A LabelPairAdapter of a trace/span ID in hex (`name`: its name field). */
function putPairHex(name: Uint8Array, a: number, b: number): void {
  const vl = (b - a) * 2;
  out[q++] = 0x1a;
  putVarint(name.length + 1 + varintSize(vl) + vl);
  putBytes(name);
  out[q++] = 0x12;
  putVarint(vl);
  const o = out;
  const s = src;
  let k = q;
  for (let i = a; i < b; i++) {
    const c = s[i];
    o[k++] = HEX[c >> 4];
    o[k++] = HEX[c & 15];
  }
  q = k;
}

/** Encoded LabelPairAdapter fields for flat name/value pairs (empty strings omitted, as encode-proto.ts does). */
export function encodePairs(pairs: string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const n = ENC.encode(pairs[i]);
    const v = ENC.encode(pairs[i + 1]);
    const body =
      (n.length ? 1 + varintSize(n.length) + n.length : 0) +
      (v.length ? 1 + varintSize(v.length) + v.length : 0);
    const b = Buffer.allocUnsafe(1 + varintSize(body) + body);
    let k = 0;
    const vi = (x: number) => {
      while (x >= 0x80) {
        b[k++] = (x & 0x7f) | 0x80;
        x = Math.floor(x / 128);
      }
      b[k++] = x;
    };
    b[k++] = 0x1a;
    vi(body);
    if (n.length) {
      b[k++] = 0x0a;
      vi(n.length);
      b.set(n, k);
      k += n.length;
    }
    if (v.length) {
      b[k++] = 0x12;
      vi(v.length);
      b.set(v, k);
      k += v.length;
    }
    parts.push(b);
  }
  // a plain Uint8Array, as every other byte run putBytes copies (one element kind there)
  return new Uint8Array(Buffer.concat(parts));
}

/** entrySize()'s share of flat pairs: UTF-16 lengths + 3 each. */
export function pairsEstimate(pairs: string[]): number {
  let n = 0;
  for (let i = 0; i < pairs.length; i++) n += pairs[i].length + 3;
  return n;
}

const nameCache = new Map<string, string>();
// Keys repeat record after record: a direct-mapped cache from a key's bytes to its label
// name's encoded field saves building the key string, and writing the name, each time.
const SLOTS = 512;
const slotBytes: (Uint8Array | undefined)[] = new Array(SLOTS);
const slotField: Uint8Array[] = new Array(SLOTS);
const slotNameLength: number[] = new Array(SLOTS).fill(0);
/** The length of the label name asciiName() last returned the field of. */
let nameLength = 0;

/**
 * The name field (nameField) of normalizeLabelName of an ASCII key src[a, b), its length in
 * nameLength; undefined for other keys and `loki.*` hints (general path).
 */
function asciiName(a: number, b: number): Uint8Array | undefined {
  const len = b - a;
  if (len === 0) {
    nameLength = 0;
    return EMPTY_BYTES;
  }
  const s = src;
  const h = (len * 31 + s[a] * 17 + s[b - 1] * 13 + s[a + (len >> 1)] * 7) & (SLOTS - 1);
  const known = slotBytes[h];
  if (known !== undefined && known.length === len) {
    let i = 0;
    while (i < len && known[i] === s[a + i]) i++;
    if (i === len) {
      nameLength = slotNameLength[h];
      return slotField[h];
    }
  }
  let key = '';
  for (let i = a; i < b; i++) {
    const c = s[i];
    if (c >= 0x80) return undefined;
    key += String.fromCharCode(c);
  }
  if (key.startsWith('loki.')) return undefined;
  let n = nameCache.get(key);
  if (n === undefined) {
    n = key.replace(/[^a-zA-Z0-9_]/g, '_');
    if (/^[0-9]/.test(n)) n = `key_${n}`;
    if (nameCache.size < 10_000) nameCache.set(key, n);
  }
  const field = nameField(n);
  slotBytes[h] = Uint8Array.from(s.subarray(a, b));
  slotField[h] = field;
  slotNameLength[h] = n.length;
  nameLength = n.length;
  return field;
}

const pairsCache = new Map<string, Uint8Array>();

/** encodePairs, remembered (a resource's or scope's metadata repeats request after request). */
function cachedPairs(pairs: string[]): Uint8Array {
  if (pairs.length === 0) return EMPTY_BYTES;
  const key = JSON.stringify(pairs);
  let b = pairsCache.get(key);
  if (b === undefined) {
    b = encodePairs(pairs);
    if (pairsCache.size >= 1000) pairsCache.clear();
    pairsCache.set(key, b);
  }
  return b;
}

/**
 * Copies src[a, b) to the output; returns the OR of the bytes copied by the loop (>= 0x80:
 * not ASCII), 0x80 for a native copy (the caller then checks the text itself). A loop up to
 * a few hundred bytes: a native copy needs a typed-array view of the source per call
 * (garbage per record) and costs more than the loop for the lines and values records
 * usually carry.
 */
function copyOut(a: number, b: number): number {
  if (b - a < COPY_LOOP_MAX) {
    const o = out;
    const s = src;
    let k = q;
    let or = 0;
    for (let i = a; i < b; i++) {
      const c = s[i];
      or |= c;
      o[k++] = c;
    }
    q = k;
    return or;
  }
  out.set(src.subarray(a, b), q);
  q += b - a;
  return 0x80;
}

/** Below this many bytes a copy is a JS loop (no view allocated). */
export const COPY_LOOP_MAX = 512;

/**
 * The scope's structured metadata from an InstrumentationScope src[a, b) (its length at
 * src[lenAt, a)): name and version
 * read here; a scope with attributes is decoded and flattened as the general path does (once
 * per scope, not per record). Undefined when it does not decode (the general path says why).
 */
function scopeOf(lenAt: number, a: number, b: number): string[] | undefined {
  const sm = scopeNameVersion(a, b);
  if (sm !== ATTRIBUTED) return sm;
  try {
    // decodeScope reads the length first, as the decoder of the whole request does
    const scope = decodeScope(new Reader(src.subarray(lenAt, b)));
    const out: string[] = [];
    if (scope.name) out.push('scope_name', scope.name);
    if (scope.version) out.push('scope_version', scope.version);
    for (const kv of scope.attributes) pushFlat(out, normalizeLabelName(kv.key), kv.value);
    return out;
  } catch {
    return undefined;
  }
}

const ATTRIBUTED: string[] = [];

/** Name and version pairs of a scope without attributes; ATTRIBUTED if it has some. */
function scopeNameVersion(a: number, b: number): string[] | undefined {
  let name = '';
  let version = '';
  p = a;
  while (p < b) {
    const tag = varint();
    if (tag === 0x0a || tag === 0x12) {
      const len = varint();
      const s = Buffer.from(src.buffer, src.byteOffset + p, len).toString('utf8');
      p += len;
      if (tag === 0x0a) name = s;
      else version = s;
    } else if (tag >>> 3 === 3) return ATTRIBUTED;
    else if (!skip(tag)) return undefined;
  }
  const sm: string[] = [];
  if (name) sm.push('scope_name', name);
  if (version) sm.push('scope_version', version);
  return sm;
}

/**
 * Writes the EntryAdapter field's tag and length in front of the fields at out[start + 3, end)
 * (3 bytes were left for them); returns the field's end (moved when the length is not 2 bytes).
 */
function prefixEntry(start: number, end: number): number {
  const len = end - start - 3;
  out[start] = 0x12; // StreamAdapter.entries (2, LEN)
  if (len >= 0x80 && len < 0x4000) {
    out[start + 1] = (len & 0x7f) | 0x80;
    out[start + 2] = len >>> 7;
    return end;
  }
  const head = 1 + varintSize(len);
  out.copyWithin(start + head, start + 3, end);
  q = start + 1;
  putVarint(len);
  return start + head + len;
}

// The resource's `now` as 32-bit halves and its bounds as doubles (set by wireEntries).
let nowHi = 0;
let nowLo = 0;
let oldestApprox = 0;
let newestApprox = 0;

/** wireEntries' result, reused: the builder files the entries into streams right away. */
const RESULT: WireEntry[] = [];

/**
 * Entries of every record under one resource from its kept scope list (`raw`: ScopeLogs
 * fields, tags included), or undefined when something in it needs the general path. The array is valid until the next call.
 */
export function wireEntries(raw: Uint8Array[], res: WireResource, arena: Arena): WireEntry[] | undefined {
  nowHi = Number(BigInt.asUintN(64, res.now) >> 32n);
  nowLo = Number(BigInt.asUintN(32, res.now));
  oldestApprox = Number(res.oldest);
  newestApprox = Number(res.newest);
  const resPairs = cachedPairs(res.smResource);
  const resEstimate = pairsEstimate(res.smResource);
  const entries = RESULT;
  entries.length = 0;
  let sl = 0;
  for (const seg of raw) {
    src = seg;
    p = 0;
    while (p < seg.length) {
      if (varint() !== 0x12) return undefined;
      const slEnd = varint() + p;
      const slStart = p;
      // the scope first (it may come after the records on the wire)
      let scopeSm: string[] = [];
      while (p < slEnd) {
        const tag = varint();
        if (tag === 0x0a) {
          const lenAt = p;
          const len = varint();
          const at = p;
          const sm = scopeOf(lenAt, at, at + len);
          if (!sm) return undefined;
          scopeSm = sm;
          p = at + len;
        } else if (!skip(tag)) return undefined;
      }
      const scopePairs = cachedPairs(scopeSm);
      const shared = resEstimate + pairsEstimate(scopeSm);
      p = slStart;
      let idx = 0;
      while (p < slEnd) {
        const tag = varint();
        if (tag !== 0x12) {
          if (!skip(tag)) return undefined;
          continue;
        }
        const len = varint();
        const end = p + len;
        arena.ensure(2 * len + 256 + resPairs.length + scopePairs.length); // 256: timestamp, tags, lengths, prefix
        const e = record(p, end, arena, resPairs, scopePairs, shared, res);
        if (!e) return undefined;
        e.sl = sl;
        e.idx = idx++;
        entries.push(e);
        src = seg;
        p = end;
      }
      sl++;
    }
  }
  return entries;
}

/** One record src[a, b) written as an entry; undefined when it needs the general path. */
function record(
  a: number,
  b: number,
  arena: Arena,
  resPairs: Uint8Array,
  scopePairs: Uint8Array,
  shared: number,
  res: WireResource,
): WireEntry | undefined {
  let timeHi = 0;
  let timeLo = 0;
  let obsHi = 0;
  let obsLo = 0;
  let sevNum = 0;
  let sevA = 0;
  let sevB = 0;
  let lineA = 0;
  let lineB = 0;
  let traceA = 0;
  let traceB = 0;
  let spanA = 0;
  let spanB = 0;
  let attrsFirst = -1;
  p = a;
  while (p < b) {
    const tag = varint();
    switch (tag) {
      case 0x09:
        timeLo = u32At(p);
        timeHi = u32At(p + 4);
        p += 8;
        break;
      case 0x10:
        sevNum = varint();
        if (sevNum > 0x7fffffff) return undefined; // negative (int32 as a 10-byte varint)
        break;
      case 0x1a: {
        const len = varint();
        sevA = p;
        sevB = p + len;
        p = sevB;
        break;
      }
      case 0x2a: {
        // body: empty, or exactly one string_value
        const len = varint();
        const end = p + len;
        if (len === 0) {
          lineA = lineB = 0;
        } else {
          if (src[p] !== 0x0a) return undefined;
          p++;
          const sl = varint();
          if (p + sl !== end) return undefined;
          lineA = p;
          lineB = end;
        }
        p = end;
        break;
      }
      case 0x32: {
        if (attrsFirst < 0) attrsFirst = p - 1; // at its tag (one byte)
        const skipLen = varint();
        p += skipLen;
        break;
      }
      case 0x4a: {
        const len = varint();
        traceA = p;
        traceB = p + len;
        p = traceB;
        break;
      }
      case 0x52: {
        const len = varint();
        spanA = p;
        spanB = p + len;
        p = spanB;
        break;
      }
      case 0x59:
        obsLo = u32At(p);
        obsHi = u32At(p + 4);
        p += 8;
        break;
      default:
        if (!skip(tag)) return undefined;
    }
  }
  // Timestamp: the record's, else observed, else now (Loki's OTLP rule).
  let tsHi = timeHi;
  let tsLo = timeLo;
  if (tsHi === 0 && tsLo === 0) {
    tsHi = obsHi;
    tsLo = obsLo;
    if (tsHi === 0 && tsLo === 0) {
      tsHi = nowHi;
      tsLo = nowLo;
    }
  }
  // Within [oldest, newest]: by doubles away from the bounds, exactly (BigInt) near them.
  const approx = tsHi * 4294967296 + tsLo;
  if (approx <= oldestApprox + 1e7 || approx >= newestApprox - 1e7) {
    const ts = bigOf(tsHi, tsLo);
    if (ts < res.oldest || ts > res.newest) return undefined;
  }
  const lineLen = lineB - lineA;
  if (res.maxLineSize > 0 && lineLen > res.maxLineSize) return undefined;
  let level: string | undefined;
  let sevText = '';
  if (sevB > sevA) {
    if (utf16Length(sevA, sevB) !== sevB - sevA) return undefined; // ASCII only here
    if (res.levelEnabled && !(sevNum >= 1 && sevNum <= 24))
      sevText = Buffer.from(src.buffer, src.byteOffset + sevA, sevB - sevA).toString('latin1');
  }
  if (res.levelEnabled) {
    level = levelOf(sevNum, sevText);
    if (!res.levelOk(level)) return undefined;
  }

  out = arena.buf;
  const start = arena.pos;
  // The entry's field tag and a 2-byte length first (fixed up below when the length
  // needs another size), so entries written one after another form one run of bytes
  // the encoder copies at once.
  q = start + 3;
  // timestamp
  splitNanos(tsHi, tsLo);
  const sec = secOut;
  const nanos = nanosOut;
  out[q++] = 0x0a;
  putVarint((sec ? 1 + varintSize(sec) : 0) + (nanos ? 1 + varintSize(nanos) : 0));
  if (sec) {
    out[q++] = 0x08;
    putVarint(sec);
  }
  if (nanos) {
    out[q++] = 0x10;
    putVarint(nanos);
  }
  let lineU16 = 0;
  if (lineLen) {
    out[q++] = 0x12;
    putVarint(lineLen);
    // copied, then measured only when not ASCII (an invalid line leaves the entry unwritten)
    lineU16 = copyOut(lineA, lineB) < 0x80 ? lineLen : utf16Length(lineA, lineB);
    if (lineU16 < 0) return undefined;
  }
  if (resPairs.length) putShared(resPairs);
  if (scopePairs.length) putShared(scopePairs);
  let size = lineU16 + 20 + shared;

  // own attributes, in order
  if (attrsFirst >= 0) {
    p = attrsFirst;
    while (p < b) {
      const tag = varint();
      if (tag !== 0x32) {
        if (!skip(tag)) return undefined;
        continue;
      }
      const kvEnd = varint() + p;
      let name: Uint8Array | undefined;
      let kind = -1;
      let va = 0;
      let vb = 0;
      let vtext = '';
      while (p < kvEnd) {
        const t = varint();
        if (t === 0x0a && name === undefined) {
          const len = varint();
          name = asciiName(p, p + len);
          if (name === undefined) return undefined;
          p += len;
        } else if (t === 0x12 && kind < 0) {
          const len = varint();
          const vEnd = p + len;
          if (len === 0) kind = 0;
          else {
            const vt = varint();
            if (vt === 0x0a) {
              kind = 1;
              const sl = varint();
              va = p;
              vb = p + sl;
              if (vb !== vEnd) return undefined;
            } else if (vt === 0x10) {
              kind = 2;
              vtext = varint() !== 0 ? 'true' : 'false';
            } else if (vt === 0x18) {
              kind = 3;
              vtext = int64Text();
            } else if (vt === 0x21) {
              // double: the general path's text (anyValueToString: String(v))
              kind = 4;
              if (p + 8 > vEnd) return undefined;
              vtext = String(float64());
            } else return undefined;
            if (p > vEnd || (kind !== 1 && p !== vEnd)) return undefined;
          }
          p = vEnd;
        } else return undefined;
      }
      if (name === undefined) {
        name = EMPTY_BYTES; // no key: normalizeLabelName('')
        nameLength = 0;
      }
      if (kind <= 0) continue; // empty value: pushFlat skips it
      if (kind === 1) {
        if (vb === va) continue;
        const nl = nameLength;
        // copied, then measured only when not ASCII (an invalid value leaves the entry unwritten)
        const u16 = putPairFromSrc(name, va, vb) < 0x80 ? vb - va : utf16Length(va, vb);
        if (u16 < 0) return undefined;
        size += nl + 3 + u16 + 3;
      } else {
        putPairAscii(name, vtext);
        size += nameLength + 3 + vtext.length + 3;
      }
    }
  }
  if (sevB > sevA) {
    putPairFromSrc(F_SEVERITY_TEXT, sevA, sevB);
    size += 13 + 3 + (sevB - sevA) + 3;
  }
  if (sevNum) {
    if (sevNum < SEVERITY_PAIRS) {
      putBytes(severityPairs[sevNum]);
      size += 15 + 3 + (sevNum < 10 ? 1 : 2) + 3;
    } else {
      const s = String(sevNum);
      putPairAscii(F_SEVERITY_NUMBER, s);
      size += 15 + 3 + s.length + 3;
    }
  }
  if (traceB > traceA) {
    putPairHex(F_TRACE_ID, traceA, traceB);
    size += 8 + 3 + (traceB - traceA) * 2 + 3;
  }
  if (spanB > spanA) {
    putPairHex(F_SPAN_ID, spanA, spanB);
    size += 7 + 3 + (spanB - spanA) * 2 + 3;
  }
  if ((obsHi !== 0 || obsLo !== 0) && (obsHi !== tsHi || obsLo !== tsLo)) {
    const s = bigOf(obsHi, obsLo).toString();
    putPairAscii(F_OBSERVED, s);
    size += 18 + 3 + s.length + 3;
  }
  q = prefixEntry(start, q);
  arena.pos = q;
  return { sec, nanos, rl: res.rl, sl: 0, idx: 0, wire: out, wireAt: start, wireEnd: q, size, level };
}
