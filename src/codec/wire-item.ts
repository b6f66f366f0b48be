// Items (spans, log records) that stay protobuf until read, field by field.
//
// When a lazily kept scope list (src/pdata/lazy.ts) is read, its items become
// wire items: objects that keep their message's bytes and decode a field the
// first time it is read (or take it when it is assigned). The encoder then
// writes an item nobody changed as its original bytes, and a changed item as
// its unchanged fields' original bytes plus its changed fields encoded again.
// "Changed" is decided without trusting callers to say so:
// - a field that was assigned (its setter ran) is changed;
// - scalars (strings, numbers, bigints) cannot change without an assignment;
// - IDs and bytes are views of the item's own bytes: writing into one writes
//   into the bytes the encoder copies, so that stays exact too;
// - attribute lists are compared with what was decoded, key by key (identity of
//   the KeyValue and AnyValue objects, their key, kind and scalar value): an
//   unchanged pair is copied as it came, a new or changed one is encoded; map
//   and array values are encoded whenever they were read (they can change deep
//   inside);
// - other mutable objects (a span's status, a log body) are compared the same
//   way; events and links count as changed once read.
// Changed fields are written in field-number order among the unchanged ones, so
// for canonically encoded input (every OTLP SDK, the collector, this encoder)
// the result is byte for byte what encoding the fully decoded item gives.
// Unknown fields of an item are kept (they are among its unchanged bytes).
//
// The bytes were validated when the request arrived (proto-lazy.ts), so reading
// a field cannot fail. An item's bytes never come from a pooled buffer: a
// leased list is copied out before its items are made.
import type { AnyValue, KeyValue } from '../pdata/types.js';
import { UNLIMITED_BUDGET } from './decode-budget.js';
import { anyKind, decodeAnyValue, decodeKeyValue, sizeKeyValue, writeKeyValue } from './proto-common.js';
import { lenFieldSize, Reader, sizes, varintSize, Writer } from './proto-wire.js';

/** How one type of wire item is decoded: its field table size and the loader of one field. */
export interface WireCodec<T> {
  /** Index slots per item: the highest field number the item's message has, plus one. */
  slots: number;
  /** Bit mask (1 << field number) of the repeated fields. */
  repeated: number;
  /** Decodes field `fn` of `item` into its slot (reading from `list.r`). */
  load(item: T, fn: number): void;
}

/** The bytes the items of one lazily kept scope list view, and what they share. */
export class WireList<T> {
  /** The list's bytes (item offsets are into these). */
  readonly src: Buffer;
  /** Reads fields; decoders position it (pos, end) before each use. */
  readonly r: Reader;
  /** The same bytes, for copying them a word at a time. */
  readonly dv: DataView;
  /** Items made from this list (their `i` numbers them). */
  count = 0;
  /**
   * Where each item's fields are, `slots` entries per item, built on an item's first read:
   * [0] INDEXED or ORDERED once built; [fn] the offset of the last occurrence's value (after the tag) of a
   * singular field, of the first occurrence's tag of a repeated one; 0 when absent.
   */
  private table: Int32Array | undefined;

  constructor(
    seg: Uint8Array,
    readonly codec: WireCodec<T>,
  ) {
    this.src = Buffer.isBuffer(seg) ? seg : Buffer.from(seg.buffer, seg.byteOffset, seg.byteLength);
    // validated and charged to its request's decode budget when it arrived (proto-lazy.ts)
    this.r = new Reader(this.src, UNLIMITED_BUDGET);
    this.dv = new DataView(this.src.buffer, this.src.byteOffset, this.src.byteLength);
  }

  /**
   * Attribute indexes of the items (attributeIndex), appended one item after the other: 4 entries
   * per pair. One growing array per list instead of one per item (they would be most of the
   * garbage an OTTL statement makes).
   */
  pairs: Int32Array = NO_PAIRS;
  pairsUsed = 0;

  /** Appends one pair's index entry. */
  pushPair(tagAt: number, keyAt: number, valueAt: number, end: number): void {
    let p = this.pairs;
    const n = this.pairsUsed;
    if (n + 4 > p.length) {
      // first use: room for 10 pairs per item (what instrumented spans usually carry)
      const grown = new Int32Array(Math.max(256, p.length * 2, p.length === 0 ? this.count * 40 : 0));
      grown.set(p);
      this.pairs = p = grown;
    }
    p[n] = tagAt;
    p[n + 1] = keyAt;
    p[n + 2] = valueAt;
    p[n + 3] = end;
    this.pairsUsed = n + 4;
  }

  /** The index of item `i` (whose message is src[start, end)): the base of its slots. */
  index(i: number, start: number, end: number): number {
    const slots = this.codec.slots;
    let t = this.table;
    if (t === undefined || t.length < this.count * slots) {
      const grown = new Int32Array(Math.max(this.count, 8) * slots);
      if (t !== undefined) grown.set(t);
      this.table = t = grown;
    }
    const base = i * slots;
    if (t[base] !== 0) return base;
    const src = this.src;
    const repeated = this.codec.repeated;
    let ordered = true;
    let prev = 0;
    let pos = start;
    while (pos < end) {
      const at = pos;
      pos = skipField(src, pos);
      const fn = lastField;
      if (fn < prev || (fn === prev && (repeated & (1 << fn)) === 0)) ordered = false;
      prev = fn;
      if (fn >= slots) continue;
      if ((repeated & (1 << fn)) !== 0) {
        if (t[base + fn] === 0) t[base + fn] = at;
      } else t[base + fn] = lastValue;
    }
    t[base] = ordered ? ORDERED : INDEXED;
    return base;
  }

  /**
   * Item i's fields are in field-number order, each singular one once (as every encoder writes
   * them): a changed repeated field is then one run of bytes. Valid once the item was indexed.
   */
  ordered(i: number): boolean {
    return (this.table as Int32Array)[i * this.codec.slots] === ORDERED;
  }

  /**
   * at() for an item's repeated KeyValue field `fn`, also building the item's pair index
   * (attributeIndex): in the same walk over the item's fields when the item was not indexed yet
   * (an attribute read or set by key is usually the first read of an item).
   */
  attributesAt(item: AttributeHolder & { readonly i: number }, fn: number): number {
    const i = item.i;
    const slots = this.codec.slots;
    const base = i * slots;
    let t = this.table;
    if (item._attrTo !== 0 || (t !== undefined && t.length > base && t[base] !== 0)) {
      const first = this.at(i, item.start, item.end, fn);
      attributeIndex(item, first, fn);
      return first;
    }
    if (t === undefined || t.length < this.count * slots) {
      const grown = new Int32Array(Math.max(this.count, 8) * slots);
      if (t !== undefined) grown.set(t);
      this.table = t = grown;
    }
    const src = this.src;
    const repeated = this.codec.repeated;
    const end = item.end;
    item._attrFrom = this.pairsUsed;
    let ordered = true;
    let prev = 0;
    let pos = item.start;
    while (pos < end) {
      const at = pos;
      // one-byte tags and lengths read here, in locals (skipField's results are module
      // variables: slower in this, the loop every first attribute read runs)
      const tag = src[pos];
      let f: number;
      let valueAt: number;
      if (tag < 0x80) {
        f = tag >>> 3;
        valueAt = ++pos;
        switch (tag & 7) {
          case 0:
            while (src[pos++] >= 0x80);
            break;
          case 1:
            pos += 8;
            break;
          case 5:
            pos += 4;
            break;
          default:
            if (src[pos] < 0x80) pos += 1 + src[pos];
            else pos = skipField(src, at);
        }
      } else {
        pos = skipField(src, at);
        f = lastField;
        valueAt = lastValue;
      }
      if (f < prev || (f === prev && (repeated & (1 << f)) === 0)) ordered = false;
      prev = f;
      if (f >= slots) continue;
      if (f === fn) indexPair(this, src, at, valueAt, pos);
      if ((repeated & (1 << f)) !== 0) {
        if (t[base + f] === 0) t[base + f] = at;
      } else t[base + f] = valueAt;
    }
    t[base] = ordered ? ORDERED : INDEXED;
    item._attrTo = this.pairsUsed;
    if (item._attrTo === 0) item._attrFrom = item._attrTo = -1;
    return t[base + fn];
  }

  /** Offset for field `fn` of item `i` (see `table`), 0 when the item does not have it. */
  at(i: number, start: number, end: number, fn: number): number {
    const base = this.index(i, start, end);
    return (this.table as Int32Array)[base + fn];
  }

  /** The reader, positioned at `pos` within an item ending at `end`. */
  reader(pos: number, end: number): Reader {
    const r = this.r;
    r.pos = pos;
    r.end = end;
    r.depth = 0;
    return r;
  }
}

const NO_PAIRS = new Int32Array(0);
const INDEXED = 1;
const ORDERED = 2;

/** The field number of the last field skipFields() passed. */
let lastField = 0;
/** Where that field's value started (after its tag). */
let lastValue = 0;

/** Skips one field of validated bytes at `pos` (a tag and its value); returns the position after it. */
function skipField(src: Uint8Array, pos: number): number {
  let tag = src[pos++];
  if (tag >= 0x80) {
    tag &= 0x7f;
    let shift = 7;
    let b: number;
    do {
      b = src[pos++];
      tag |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80);
    tag >>>= 0;
  }
  lastField = tag >>> 3;
  lastValue = pos;
  switch (tag & 7) {
    case 0:
      while (src[pos++] >= 0x80);
      return pos;
    case 1:
      return pos + 8;
    case 5:
      return pos + 4;
    default: {
      // length-delimited (validated input has no groups)
      let len = src[pos++];
      if (len >= 0x80) {
        len &= 0x7f;
        let shift = 7;
        let b: number;
        do {
          b = src[pos++];
          len += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b >= 0x80);
      }
      return pos + len;
    }
  }
}

/** What a wire item looks like to the patching encoder. */
export interface WireItemBase {
  readonly list: WireList<unknown>;
  readonly start: number;
  readonly end: number;
}

/** Sizes and writes the changed fields of an item type (with its message's tags). */
export interface FieldEncoder<T> {
  size(item: T, fn: number): number;
  write(w: Writer, item: T, fn: number): void;
}

const bitOf = (fn: number) => (fn < 31 ? 1 << fn : 0);
const lowestField = (m: number) => 31 - Math.clz32(m & -m);

/**
 * Body size of an item whose fields in `changed` (bit mask by field number) are encoded
 * again and whose other fields are copied. Sizes the changed fields in field-number order,
 * as writePatched writes them (the size table is replayed in that order).
 */
export function patchedSize<T extends WireItemBase>(item: T, changed: number, enc: FieldEncoder<T>): number {
  const src = item.list.src;
  const end = item.end;
  let n = 0;
  let pos = item.start;
  while (pos < end) {
    const at = pos;
    pos = skipField(src, pos);
    if ((changed & bitOf(lastField)) === 0) n += pos - at;
  }
  for (let m = changed; m !== 0; m &= m - 1) n += enc.size(item, lowestField(m));
  return n;
}

/**
 * Writes an item's body: its bytes as they came, except the fields in `changed`, which are
 * encoded (each once, in field-number order, before the first field numbered above it).
 */
export function writePatched<T extends WireItemBase>(
  w: Writer,
  item: T,
  changed: number,
  enc: FieldEncoder<T>,
): void {
  const src = item.list.src;
  const end = item.end;
  let pending = changed;
  let pos = item.start;
  let run = pos;
  while (pos < end) {
    const at = pos;
    pos = skipField(src, pos);
    const b = bitOf(lastField);
    // changed fields numbered up to this one (all of them before an unknown field)
    const due = b === 0 ? pending : pending & ((b << 1) - 1);
    if (due === 0 && (changed & b) === 0) continue;
    if (at > run) w.rawRange(src, item.list.dv, run, at);
    for (let m = due; m !== 0; m &= m - 1) enc.write(w, item, lowestField(m));
    pending &= ~due;
    run = (changed & b) !== 0 ? pos : at;
  }
  if (end > run) w.rawRange(src, item.list.dv, run, end);
  for (let m = pending; m !== 0; m &= m - 1) enc.write(w, item, lowestField(m));
}

/**
 * Body size of an item whose only changed field is a repeated one whose bytes are the one run
 * [from, to) (an ordered item): the bytes around the run plus the field's new size.
 */
export function splicedSize(item: WireItemBase, from: number, to: number, fieldSize: number): number {
  return item.end - item.start - (to - from) + fieldSize;
}

/** Writes what splicedSize sized; `enc` writes the field `fn` (no closure per item). */
export function writeSpliced<T extends WireItemBase>(
  w: Writer,
  item: T,
  from: number,
  to: number,
  enc: FieldEncoder<T>,
  fn: number,
): void {
  const list = item.list;
  if (from > item.start) w.rawRange(list.src, list.dv, item.start, from);
  enc.write(w, item, fn);
  if (item.end > to) w.rawRange(list.src, list.dv, to, item.end);
}

/** An item as the run writer sees it: unchanged when the sizing pass found no change. */
export interface RunItem extends WireItemBase {
  changes: number;
}

/**
 * Writes items[i] — an unchanged wire item — and the unchanged wire items after it whose bytes
 * follow in the same list, tags and lengths included, as one copy (a filter that drops a few
 * items, or a processor that only reads, forwards the rest with one copy per run). Each item
 * reserved one size slot, which this skips. Returns the index after the run.
 */
export function writeUnchangedRun<T extends RunItem>(
  w: Writer,
  items: unknown[],
  i: number,
  tag: number,
  isItem: (x: unknown) => x is T,
): number {
  const first = items[i] as T;
  const list = first.list;
  const from = prefixAt(first, tag);
  if (from < 0) {
    w.byte(tag);
    w.len();
    w.rawRange(list.src, list.dv, first.start, first.end);
    return i + 1;
  }
  let to = first.end;
  let j = i + 1;
  for (; j < items.length; j++) {
    const x = items[j];
    if (!isItem(x) || x.changes !== 0 || x.list !== list || prefixAt(x, tag) !== to) break;
    to = x.end;
  }
  w.rawRange(list.src, list.dv, from, to);
  w.si += j - i;
  return j;
}

/**
 * Where an item's field starts if the bytes before its message are exactly what the encoder
 * would write there (`tag`, then the message length as a minimal varint); -1 otherwise.
 */
function prefixAt(item: WireItemBase, tag: number): number {
  const len = item.end - item.start;
  const n = varintSize(len);
  const at = item.start - 1 - n;
  const src = item.list.src;
  if (at < 0 || src[at] !== tag) return -1;
  let v = len;
  for (let k = 1; k <= n; k++) {
    const b = k < n ? (v & 0x7f) | 0x80 : v;
    if (src[at + k] !== b) return -1;
    v >>>= 7;
  }
  return at;
}

// ---------------------------------------------------------------- attribute lists

/**
 * What a wire item's attribute list looks like to the functions below. An item's attributes
 * can be read and set by key without decoding the list (itemAttribute/setItemAttribute in
 * src/pdata/attributes.ts): a read scans the pairs' keys in the bytes and decodes the one value
 * it wants; a set is kept aside (`_attrSets`) and either applied when the list is decoded or
 * merged into the copied pairs by the encoder.
 */
export interface AttributeHolder extends WireItemBase {
  loaded: number;
  _attributes: KeyValue[];
  _attrOrigin: KvOrigin | undefined;
  /** Pairs set by key while the list was not decoded: distinct keys, in the order first set. */
  _attrSets: KeyValue[] | undefined;
  /** Where the encoder puts them: [index entry (MAX_SAFE_INTEGER: appended), set pair] in writing order. */
  _attrSetAt: number[] | undefined;
  /** Where the pairs' index is in list.pairs, [_attrFrom, _attrTo) (attributeIndex); _attrTo 0: not built. */
  _attrFrom: number;
  _attrTo: number;
}

/**
 * What an item's attribute list held when decoded, 6 entries per pair: the KeyValue, its key,
 * its AnyValue, the value's scalar (string, bigint, number, boolean or bytes; undefined for
 * maps and arrays), the pair's tag offset * 8 + the value's kind, and its field's end offset.
 */
export type KvOrigin = unknown[];
const KV_STRIDE = 6;

/** The scalar an AnyValue of `kind` holds (undefined for empty, maps and arrays). */
export function scalarOf(v: AnyValue, kind: number): unknown {
  const a = v as Record<string, unknown>;
  switch (kind) {
    case 1:
      return a.stringValue;
    case 2:
      return a.boolValue;
    case 3:
      return a.intValue;
    case 4:
      return a.doubleValue;
    case 7:
      return a.bytesValue;
    default:
      return undefined;
  }
}

/** An AnyValue still holds what it held when decoded (kind and scalar; maps and arrays never count). */
export function anyUnchanged(v: AnyValue, kind: number, scalar: unknown): boolean {
  if (kind === 5 || kind === 6 || anyKind(v) !== kind) return false;
  const now = scalarOf(v, kind);
  return kind === 4 ? Object.is(now, scalar) : now === scalar;
}

/** Records a decoded AnyValue's kind and scalar (for anyUnchanged). */
export function anyOrigin(v: AnyValue): { kind: number; scalar: unknown } {
  const kind = anyKind(v);
  return { kind, scalar: scalarOf(v, kind) };
}

/**
 * Decodes the repeated KeyValue field `fn` of an item, from its first occurrence's tag `first`
 * (0: none), into `item._attributes`, with the origin record the encoder compares against; then
 * applies the pairs set by key meanwhile.
 */
export function loadAttributes(item: AttributeHolder, first: number, fn: number): void {
  const kvs: KeyValue[] = [];
  const origin: KvOrigin = [];
  if (first !== 0) {
    const end = item.end;
    const r = item.list.reader(first, end);
    while (r.pos < end) {
      const at = r.pos;
      const t = r.tag();
      if (t >>> 3 !== fn) {
        r.skip(t);
        continue;
      }
      const kv = decodeKeyValue(r);
      kvs.push(kv);
      const v = kv.value;
      const kind = anyKind(v);
      origin.push(kv, kv.key, v, scalarOf(v, kind), at * 8 + kind, r.pos);
    }
  }
  const sets = item._attrSets;
  if (sets !== undefined) {
    item._attrSets = undefined;
    for (const kv of sets) {
      const same = findKey(kvs, kv.key);
      if (same !== undefined) same.value = kv.value;
      else kvs.push(kv);
    }
  }
  item._attributes = kvs;
  item._attrOrigin = origin;
}

function findKey(kvs: KeyValue[], key: string): KeyValue | undefined {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i];
  return undefined;
}

/**
 * The bytes of an item's repeated KeyValue field `fn` (first tag at `first`) as it came, [from, to)
 * (what the encoder replaces), from whichever record of it exists; undefined when the item has
 * no attributes.
 */
export function attributeSpan(
  item: AttributeHolder,
  first: number,
  fn: number,
): [number, number] | undefined {
  // pairs set by key on a list nobody read: index it (one walk of its pairs, which sizing the
  // sets needs anyway), so that the item is spliced rather than re-walked field by field
  if (item._attrOrigin === undefined) attributeIndex(item, first, fn);
  if (item._attrTo > item._attrFrom) {
    const idx = item.list.pairs;
    return [idx[item._attrFrom], idx[item._attrTo - 1]];
  }
  const origin = item._attrOrigin;
  if (origin !== undefined && origin.length > 0)
    return [tagOffset(origin, 0), origin[origin.length - 1] as number];
  return undefined;
}

/** peekAttribute's answer when the value is a map or an array: read it from the decoded list. */
export const NEEDS_LIST = null;

/**
 * The value of the first pair with `key` of an item whose list was not decoded, without
 * decoding it (undefined: no such pair). A map or array value is not decoded alone (it may be
 * changed in place): NEEDS_LIST says to decode the list.
 */
export function peekAttribute(
  item: AttributeHolder,
  first: number,
  fn: number,
  key: string,
): AnyValue | undefined | null {
  const sets = item._attrSets;
  if (sets !== undefined) {
    const kv = findKey(sets, key);
    if (kv !== undefined) return kv.value;
  }
  const e = wirePairEntry(item, first, fn, key);
  if (e < 0) return undefined;
  const idx = item.list.pairs;
  const valueAt = idx[e + 2];
  if (valueAt === 0) return {};
  const scalar = peekScalar(item.list, valueAt, idx[e + 3]);
  if (scalar !== undefined) return scalar;
  const v = decodeAnyValue(item.list.reader(valueAt, idx[e + 3]));
  const a = v as Record<string, unknown>;
  return a.kvlistValue !== undefined || a.arrayValue !== undefined ? NEEDS_LIST : v;
}

/** The attribute index entry of the first wire pair named `key` (-1: none). */
function wirePairEntry(item: AttributeHolder, first: number, fn: number, key: string): number {
  attributeIndex(item, first, fn);
  return pairEntry(item, keyBytes(key));
}

/** attributeShape's answer when the bytes alone cannot say (a pair set by key, an unusual encoding). */
export const SHAPE_UNKNOWN = -2;
/** attributeShape's answer when the item has no pair with the key. */
export const SHAPE_ABSENT = -1;
/** Where attributeShape found the value's payload: [shapeAt, shapeEnd) (a string's bytes, an int's varint, a double's 8 bytes). */
let shapeAt = 0;
let shapeEnd = 0;

/**
 * What the value of the first pair with `key` of an item whose list was not decoded is, read
 * from its bytes without decoding it: SHAPE_ABSENT, 0 (an empty AnyValue), the value's kind as
 * anyKind numbers it (1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes; the AnyValue's
 * field number) when the AnyValue is exactly one field of that kind with its proper wire type
 * (what every encoder writes), or SHAPE_UNKNOWN (the key was set aside, or the AnyValue holds
 * several fields or an unknown one: the caller then reads the value the general way). For a kind,
 * shapeValue() gives where its payload is.
 */
export function attributeShape(
  item: AttributeHolder,
  first: number,
  fn: number,
  key: string,
  utf8: Uint8Array,
): number {
  const sets = item._attrSets;
  if (sets !== undefined && findKey(sets, key) !== undefined) return SHAPE_UNKNOWN;
  attributeIndex(item, first, fn);
  const e = pairEntry(item, utf8);
  if (e < 0) return SHAPE_ABSENT;
  const idx = item.list.pairs;
  return valueShape(item.list.src, idx[e + 2], idx[e + 3]);
}

/**
 * What the AnyValue whose length prefix is at `p` (0: the pair has no value) and that ends at `stop`
 * holds, as attributeShape answers (0, a kind, or SHAPE_UNKNOWN); for a kind, shapeBytesAre and
 * shapeNumberIn read its payload.
 */
export function valueShape(src: Uint8Array, p: number, stop: number): number {
  if (p === 0) return 0;
  // the AnyValue's length prefix, then its first field's tag (a one-byte tag: fields 1-7)
  let len = src[p++];
  if (len >= 0x80) {
    p = skipLength(src, p - 1);
    len = -1;
  }
  if (len === 0 || p === stop) return 0;
  const tag = src[p];
  const kind = tag >>> 3;
  if (kind < 1 || kind > 7 || (tag & 7) !== KIND_WIRE_TYPE[kind]) return SHAPE_UNKNOWN;
  let at = p + 1;
  let end: number;
  switch (tag & 7) {
    case 0:
      end = at;
      while (src[end++] >= 0x80);
      break;
    case 1:
      end = at + 8;
      break;
    default: {
      let n = src[at++];
      if (n >= 0x80) {
        n &= 0x7f;
        let shift = 7;
        let b: number;
        do {
          b = src[at++];
          n += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b >= 0x80);
      }
      end = at + n;
    }
  }
  // exactly one field: a second one (the last of a oneof wins) is left to the general decoder
  if (end !== stop) return SHAPE_UNKNOWN;
  shapeAt = at;
  shapeEnd = end;
  return kind;
}

/**
 * The index entry of the first pair whose key has the UTF-8 bytes `kb` (-1: none), the item's
 * pairs indexed: lengths first.
 */
function pairEntry(item: AttributeHolder, kb: Uint8Array): number {
  const list = item.list;
  const idx = list.pairs;
  const src = list.src;
  const n = kb.length;
  const to = item._attrTo;
  for (let e = item._attrFrom; e < to; e += IDX_STRIDE) {
    const at = idx[e + 1];
    if (at === 0) {
      if (n === 0) return e;
      continue;
    }
    const len = src[at];
    if (len >= 0x80) {
      // a long key: its length takes more bytes
      if (keyEquals(src, at, kb)) return e;
    } else if (len === n && bytesEqual(src, at + 1, kb, n)) return e;
  }
  return -1;
}

/**
 * src[at, at + n) holds the bytes of kb (n of them), compared from the end: keys of the same
 * length often share a prefix (`http.`, `k8s.`), rarely a suffix.
 */
function bytesEqual(src: Buffer, at: number, kb: Uint8Array, n: number): boolean {
  for (let i = n - 1; i >= 0; i--) if (src[at + i] !== kb[i]) return false;
  return true;
}

/** The wire type of each AnyValue field (by field number = kind). */
const KIND_WIRE_TYPE = [-1, 2, 0, 0, 1, 2, 2, 2];

/** Whether the string payload attributeShape found is the UTF-8 bytes `b`. */
export function shapeStringIs(item: AttributeHolder, b: Uint8Array): boolean {
  return shapeBytesAre(item.list.src, b);
}

/** Whether the string payload the last attributeShape/valueShape found in `src` is the bytes `b`. */
export function shapeBytesAre(src: Uint8Array, b: Uint8Array): boolean {
  const n = shapeEnd - shapeAt;
  if (n !== b.length) return false;
  const at = shapeAt;
  for (let i = 0; i < n; i++) if (src[at + i] !== b[i]) return false;
  return true;
}

/**
 * The number the int (kind 3) or double (kind 4) payload attributeShape found holds; undefined
 * for an int outside ±2^49 (a long varint: negative ints take ten bytes), which the caller reads
 * as a bigint the general way.
 */
export function shapeNumber(item: AttributeHolder, kind: number): number | undefined {
  return shapeNumberIn(item.list.src, item.list.dv, kind);
}

/** shapeNumber for the payload the last attributeShape/valueShape found in `src` (`dv` views it). */
export function shapeNumberIn(src: Uint8Array, dv: DataView, kind: number): number | undefined {
  if (kind === 4) return dv.getFloat64(shapeAt, true);
  const end = shapeEnd;
  if (end - shapeAt > 7) return undefined;
  let n = 0;
  let mul = 1;
  for (let p = shapeAt; p < end; p++, mul *= 128) n += (src[p] & 0x7f) * mul;
  return n;
}

/** peekAttributeValue's answer when the value is a map or an array: read it from the decoded list. */
export const NEEDS_LIST_VALUE: unique symbol = Symbol('needs the decoded list');

/**
 * Like peekAttribute, but a string, bool, int (bigint) or double value comes back as that JS
 * value, without an AnyValue made for it (readers that only look at the value: OTTL paths); other
 * values come back as their AnyValue, undefined when there is no such pair.
 */
export function peekAttributeValue(
  item: AttributeHolder,
  first: number,
  fn: number,
  key: string,
): AnyValue | string | boolean | bigint | number | undefined | typeof NEEDS_LIST_VALUE {
  const sets = item._attrSets;
  if (sets !== undefined) {
    const kv = findKey(sets, key);
    if (kv !== undefined) return kv.value;
  }
  const e = wirePairEntry(item, first, fn, key);
  if (e < 0) return undefined;
  const idx = item.list.pairs;
  const valueAt = idx[e + 2];
  if (valueAt === 0) return {};
  const scalar = peekScalarValue(item.list, valueAt, idx[e + 3]);
  if (scalar !== undefined) return scalar;
  const v = decodeAnyValue(item.list.reader(valueAt, idx[e + 3]));
  const a = v as Record<string, unknown>;
  return a.kvlistValue !== undefined || a.arrayValue !== undefined ? NEEDS_LIST_VALUE : v;
}

/** peekScalar's value as the JS value itself (undefined: not one of those shapes). */
function peekScalarValue(
  list: WireList<unknown>,
  at: number,
  end: number,
): string | boolean | bigint | number | undefined {
  const src = list.src;
  const len = src[at];
  if (len >= 0x80 || len < 2) return undefined;
  const stop = at + 1 + len;
  switch (src[at + 1]) {
    case 0x0a: {
      const n = src[at + 2];
      if (n >= 0x80 || at + 3 + n !== stop) return undefined;
      return list.reader(at + 2, end).string();
    }
    case 0x10:
      if (len !== 2 || src[at + 2] >= 0x80) return undefined;
      return src[at + 2] !== 0;
    case 0x18: {
      const r = list.reader(at + 2, stop);
      const v = r.int64();
      return r.pos === stop ? v : undefined;
    }
    case 0x21:
      if (len !== 9) return undefined;
      return list.dv.getFloat64(at + 2, true);
    default:
      return undefined;
  }
}

/**
 * The AnyValue whose length prefix is at `at` when it is one string, bool, int or double field
 * (what every encoder writes for those), read without the general decoder; undefined otherwise.
 */
function peekScalar(list: WireList<unknown>, at: number, end: number): AnyValue | undefined {
  const src = list.src;
  const len = src[at];
  if (len >= 0x80 || len < 2) return undefined;
  const stop = at + 1 + len;
  const tag = src[at + 1];
  switch (tag) {
    case 0x0a: {
      // a string: its own length prefix must span the rest (one byte, as for any short string)
      const n = src[at + 2];
      if (n >= 0x80 || at + 3 + n !== stop) return undefined;
      return { stringValue: list.reader(at + 2, end).string() };
    }
    case 0x10:
      if (len !== 2 || src[at + 2] >= 0x80) return undefined;
      return { boolValue: src[at + 2] !== 0 };
    case 0x18: {
      const r = list.reader(at + 2, stop);
      const v = r.int64();
      return r.pos === stop ? { intValue: v } : undefined;
    }
    case 0x21:
      if (len !== 9) return undefined;
      return { doubleValue: list.dv.getFloat64(at + 2, true) };
    default:
      return undefined;
  }
}

/** Entries per pair in an attribute index: tag offset, key and value offsets (their length prefixes, 0: absent), end offset. */
const IDX_STRIDE = 4;

/**
 * Where the pairs of the repeated KeyValue field `fn` (first tag at `first`) are, built once per
 * item on its first read or set by key (see IDX_STRIDE).
 */
function attributeIndex(item: AttributeHolder, first: number, fn: number): void {
  if (item._attrTo !== 0) return;
  const list = item.list;
  const from = list.pairsUsed;
  item._attrFrom = from;
  if (first !== 0) {
    const src = list.src;
    const end = item.end;
    let pos = first;
    while (pos < end) {
      const at = pos;
      pos = skipField(src, pos);
      if (lastField === fn) indexPair(list, src, at, lastValue, pos);
    }
  }
  // _attrTo 0 means "not built": an item without pairs gets an empty range that is not 0
  item._attrTo = list.pairsUsed;
  if (item._attrTo === 0) item._attrFrom = item._attrTo = -1;
}

/**
 * Appends the index entry of the KeyValue field whose tag is at `at`, length prefix at `lenAt`,
 * ending at `end` (list.pairs: see IDX_STRIDE).
 */
function indexPair(list: WireList<unknown>, src: Buffer, at: number, lenAt: number, end: number): void {
  let p = skipLength(src, lenAt);
  let keyAt = 0;
  let valueAt = 0;
  // the usual shape, key then value with one-byte length prefixes: no field walk
  if (src[p] === 0x0a && src[p + 1] < 0x80) {
    const keyEnd = p + 2 + src[p + 1];
    if (keyEnd === end) keyAt = p + 1;
    else if (src[keyEnd] === 0x12 && src[keyEnd + 1] < 0x80 && keyEnd + 2 + src[keyEnd + 1] === end) {
      keyAt = p + 1;
      valueAt = keyEnd + 1;
    }
  }
  if (keyAt === 0)
    while (p < end) {
      p = skipField(src, p);
      if (lastField === 1) keyAt = lastValue;
      else if (lastField === 2) valueAt = lastValue;
    }
  list.pushPair(at, keyAt, valueAt, end);
}

/** The position after a length prefix at `pos`. */
function skipLength(src: Uint8Array, pos: number): number {
  while (src[pos++] >= 0x80);
  return pos;
}

/**
 * The UTF-8 bytes of a key looked up by key. The keys are few (the constant keys of OTTL
 * statements, a processor's configured keys) and looked up once per item or more: comparing
 * bytes with bytes costs a fraction of encoding or comparing the string each time. Bounded:
 * keys computed per item (a dynamic OTTL key) only refill it.
 */
const keyBytesCache = new Map<string, Uint8Array>();
/** The last keys asked for, by identity: the constant keys of statements come back item after item. */
const recentKeys: string[] = ['', '', '', '', '', '', '', ''];
const recentBytes: Uint8Array[] = new Array(8).fill(new Uint8Array(0));
let recentNext = 0;
function keyBytes(key: string): Uint8Array {
  for (let i = 0; i < 8; i++) if (recentKeys[i] === key) return recentBytes[i];
  let b = keyBytesCache.get(key);
  if (b === undefined) {
    if (keyBytesCache.size >= 1024) keyBytesCache.clear();
    b = new Uint8Array(Buffer.from(key, 'utf8')); // its own memory, not a slice of Buffer's pool
    keyBytesCache.set(key, b);
  }
  recentKeys[recentNext] = key;
  recentBytes[recentNext] = b;
  recentNext = (recentNext + 1) & 7;
  return b;
}

/** The string field whose length prefix is at `at` (0: absent, the empty string) has the UTF-8 bytes `kb`. */
function keyEquals(src: Buffer, at: number, kb: Uint8Array): boolean {
  if (at === 0) return kb.length === 0;
  let len = src[at++];
  if (len >= 0x80) {
    len &= 0x7f;
    let shift = 7;
    let b: number;
    do {
      b = src[at++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b >= 0x80);
  }
  if (len !== kb.length) return false;
  for (let i = 0; i < len; i++) if (src[at + i] !== kb[i]) return false;
  return true;
}

/**
 * Sets the first pair with `key` to `value` (or appends one) on an item whose list was not
 * decoded. False when too many keys were set this way: the caller then decodes the list.
 */
export function setAttributeAside(item: AttributeHolder, key: string, value: AnyValue): boolean {
  let sets = item._attrSets;
  if (sets === undefined) item._attrSets = sets = [];
  const kv = findKey(sets, key);
  if (kv !== undefined) kv.value = value;
  else if (sets.length >= 16) return false;
  else sets.push({ key, value });
  return true;
}

/** The origin entry (its index in `origin`) of an unchanged pair `kv`, searching from entry `from`; -1 if none. */
function unchangedAt(origin: KvOrigin, kv: KeyValue, from: number): number {
  for (let j = from; j < origin.length; j += KV_STRIDE) {
    if (origin[j] !== kv) continue;
    const v = kv.value;
    if (kv.key !== origin[j + 1] || v !== origin[j + 2]) return -1;
    return anyUnchanged(v, (origin[j + 4] as number) % 8, origin[j + 3]) ? j : -1;
  }
  return -1;
}

/** The list is exactly the decoded pairs, none changed. */
export function attributesUnchanged(kvs: KeyValue[], origin: KvOrigin | undefined): boolean {
  if (origin === undefined || kvs.length * KV_STRIDE !== origin.length) return false;
  for (let i = 0; i < kvs.length; i++)
    if (unchangedAt(origin, kvs[i], i * KV_STRIDE) !== i * KV_STRIDE) return false;
  return true;
}

const tagOffset = (origin: KvOrigin, j: number) => Math.floor((origin[j + 4] as number) / 8);

/**
 * Size of a decoded repeated KeyValue field (one-byte tag) whose unchanged pairs are copied
 * and the others encoded (reserving their size slots, in list order).
 */
export function sizeTrackedAttributes(kvs: KeyValue[], origin: KvOrigin | undefined): number {
  let n = 0;
  let from = 0;
  for (let i = 0; i < kvs.length; i++) {
    const j = origin === undefined ? -1 : unchangedAt(origin, kvs[i], from);
    if (j >= 0) {
      n += (origin![j + 5] as number) - tagOffset(origin!, j);
      from = j + KV_STRIDE;
    } else n += lenFieldSize(sizeKeyValue(kvs[i]));
  }
  return n;
}

/** Copies or encodes what sizeTrackedAttributes sized; `tag` is the field's one-byte tag. */
export function writeTrackedAttributes(
  w: Writer,
  item: WireItemBase,
  kvs: KeyValue[],
  origin: KvOrigin | undefined,
  tag: number,
): void {
  const list = item.list;
  let from = 0;
  // adjacent unchanged pairs are copied as one run
  let runStart = 0;
  let runEnd = 0;
  for (let i = 0; i < kvs.length; i++) {
    const j = origin === undefined ? -1 : unchangedAt(origin, kvs[i], from);
    if (j >= 0) {
      const at = tagOffset(origin!, j);
      if (at !== runEnd) {
        if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
        runStart = at;
      }
      runEnd = origin![j + 5] as number;
      from = j + KV_STRIDE;
    } else {
      if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
      runStart = runEnd = 0;
      w.byte(tag);
      writeKeyValue(w, kvs[i]);
    }
  }
  if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
}

/**
 * Plan entries (in `_attrSetAt`) of a set pair encoded from its cached bytes (setPairBytes) rather
 * than through the size table: the pair's number in `_attrSets` plus this flag.
 */
const CACHED_PAIR = 1 << 8;
const PAIR_NUMBER = CACHED_PAIR - 1;

/**
 * Size of the repeated KeyValue field `fn` (from its first tag at `first`) of an item whose list
 * was not decoded but had pairs set by key: the pairs as they came, the first one with a set key
 * encoded with its new value, the other set pairs appended. Records in `_attrSetAt` which pair
 * each set pair replaces (its index entry, MAX_SAFE_INTEGER: appended) and how it is encoded, for
 * the write pass. `tag`: the field's one-byte tag.
 */
export function sizeAttributesWithSets(
  item: AttributeHolder,
  first: number,
  fn: number,
  tag: number,
): number {
  const sets = item._attrSets as KeyValue[];
  attributeIndex(item, first, fn);
  const idx = item.list.pairs;
  const from = item._attrFrom;
  const to = item._attrTo;
  // the pairs as they came, less those a set pair replaces, plus the set pairs
  let n = 0;
  for (let e = from; e < to; e += IDX_STRIDE) n += idx[e + 3] - idx[e];
  // [where, which] pairs in the order the writer meets them: replacements by position, then
  // appends in the order set (an insertion sort: a handful of pairs)
  const plan: number[] = [];
  for (let k = 0; k < sets.length; k++) {
    const kv = sets[k];
    let where = pairEntry(item, keyBytes(kv.key));
    if (where >= 0) n -= idx[where + 3] - idx[where];
    else where = Number.MAX_SAFE_INTEGER;
    const cached = setPairBytes(kv, tag);
    let which = k;
    if (cached !== undefined) {
      n += cached.bytes.length;
      which |= CACHED_PAIR;
    }
    let p = plan.length;
    plan.push(where, which);
    while (p > 0 && plan[p - 2] > where) {
      plan[p] = plan[p - 2];
      plan[p + 1] = plan[p - 1];
      p -= 2;
    }
    plan[p] = where;
    plan[p + 1] = which;
  }
  // the others through the size table, in the order the writer meets them
  for (let p = 1; p < plan.length; p += 2)
    if ((plan[p] & CACHED_PAIR) === 0) n += lenFieldSize(sizeKeyValue(sets[plan[p]]));
  item._attrSetAt = plan;
  return n;
}

/** Writes what sizeAttributesWithSets sized (the pairs in their order); `tag` is the field's one-byte tag. */
export function writeAttributesWithSets(
  w: Writer,
  item: AttributeHolder,
  first: number,
  fn: number,
  tag: number,
): void {
  const sets = item._attrSets as KeyValue[];
  const plan = item._attrSetAt as number[];
  attributeIndex(item, first, fn);
  const list = item.list;
  const idx = list.pairs;
  let p = 0;
  let runStart = 0;
  let runEnd = 0;
  for (let e = item._attrFrom; e < item._attrTo; e += IDX_STRIDE) {
    if (p < plan.length && plan[p] === e) {
      if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
      runStart = runEnd = 0;
      writeSetPair(w, sets, plan[p + 1], tag);
      p += 2;
      continue;
    }
    if (idx[e] !== runEnd) {
      if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
      runStart = idx[e];
    }
    runEnd = idx[e + 3];
  }
  if (runEnd > runStart) w.rawRange(list.src, list.dv, runStart, runEnd);
  for (; p < plan.length; p += 2) writeSetPair(w, sets, plan[p + 1], tag);
}

/** Writes set pair `which` (a plan entry) as sizeAttributesWithSets sized it. */
function writeSetPair(w: Writer, sets: KeyValue[], which: number, tag: number): void {
  const kv = sets[which & PAIR_NUMBER];
  if ((which & CACHED_PAIR) !== 0) {
    // the bytes sized may have been evicted meanwhile: the same pair encodes to the same bytes
    const b = setPairBytes(kv, tag) ?? encodePair(kv, tag, undefined);
    w.rawRange(b.bytes, b.dv, 0, b.bytes.length);
  } else {
    w.byte(tag);
    writeKeyValue(w, kv);
  }
}

/**
 * The encoded field (tag, length, KeyValue) of a pair set by key with a scalar value, from a cache
 * by key: processors set the same few keys to the same few values on item after item (a redacted
 * value, an environment name, a flag), and copying their bytes costs a fraction of sizing and
 * encoding them each time. Undefined for map, array and bytes values, long strings, and keys
 * whose value changes from item to item (those go through the size table as usual).
 */
function setPairBytes(kv: KeyValue, tag: number): EncodedPair | undefined {
  const v = kv.value;
  const kind = anyKind(v);
  if (kind < 1 || kind > 4) return undefined;
  const scalar = scalarOf(v, kind);
  let e = pairCache.get(kv.key);
  if (e !== undefined) {
    if (
      e.tag === tag &&
      e.kind === kind &&
      (kind === 4 ? Object.is(e.scalar, scalar) : e.scalar === scalar)
    ) {
      e.hits++;
      return e;
    }
    if (e.volatile) return undefined;
    // another value under this key: a key set to per-item values stops being cached
    if (++e.misses > 2 * e.hits + 16) {
      e.volatile = true;
      return undefined;
    }
  }
  if (kind === 1 && (scalar as string).length > PAIR_STRING_MAX) return undefined;
  if (e === undefined && pairCache.size >= PAIR_CACHE_MAX) pairCache.clear();
  e = encodePair(kv, tag, e);
  pairCache.set(kv.key, e);
  return e;
}

interface EncodedPair {
  tag: number;
  kind: number;
  scalar: unknown;
  bytes: Buffer;
  dv: DataView;
  hits: number;
  misses: number;
  volatile: boolean;
}

const pairCache = new Map<string, EncodedPair>();
const PAIR_CACHE_MAX = 256;
const PAIR_STRING_MAX = 256;

/**
 * Encodes one pair's field with the encoder's own sizeKeyValue/writeKeyValue, on size table slots
 * past the ones in use (given back after: a sizing or writing pass in progress is not disturbed).
 * `into`: the cache entry to refill.
 */
function encodePair(kv: KeyValue, tag: number, into: EncodedPair | undefined): EncodedPair {
  const n0 = sizes.n;
  let bytes: Buffer;
  try {
    const body = sizeKeyValue(kv);
    const pw = new Writer(lenFieldSize(body));
    pw.si = n0;
    pw.byte(tag);
    writeKeyValue(pw, kv);
    // its own memory: a slice of Buffer's shared pool would keep the whole slab alive in the cache
    const out = pw.finish();
    bytes = Buffer.allocUnsafeSlow(out.length);
    out.copy(bytes);
  } finally {
    sizes.n = n0;
  }
  const kind = anyKind(kv.value);
  const scalar = scalarOf(kv.value, kind);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (into === undefined) return { tag, kind, scalar, bytes, dv, hits: 0, misses: 0, volatile: false };
  into.tag = tag;
  into.kind = kind;
  into.scalar = scalar;
  into.bytes = bytes;
  into.dv = dv;
  return into;
}
