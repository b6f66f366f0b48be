// Lazy protobuf decoding of Export{Trace,Logs}ServiceRequest: the resource and
// schema URL of each ResourceX are decoded, its scope list is only validated
// (the same checks as the full decoder: wire types, lengths, ID sizes, nesting)
// and counted, then kept as wire bytes until someone reads it (src/pdata/lazy.ts).
// The skim also charges the request's DecodeBudget with what decoding the list
// will cost (decode-cost.ts, the full decoder's own figures), so a request whose
// items would not fit in memory once a processor or exporter reads them is
// refused when it arrives, not decoded later, after it was acknowledged.
// A gateway that forwards OTLP without touching the items never decodes them
// and never encodes them again: the dominant cost of a pass-through hop.
import { defineLazyList, type Lease } from '../pdata/lazy.js';
import type { Resource } from '../pdata/types.js';
import { type DecodeBudget, defaultBudget, UNLIMITED_BUDGET } from './decode-budget.js';
import { CACHED_STRING_MAX, COST } from './decode-cost.js';
import { DecodeError } from './errors.js';
import { decodeResource, newResource } from './proto-common.js';
import { Reader, WT_I32, WT_I64, WT_LEN, WT_VARINT } from './proto-wire.js';

/**
 * A message's known fields (index = field number); unknown fields are skipped like the decoder
 * does. Every message and field object has one shape (all properties set), so the walk stays
 * monomorphic.
 */
export interface SkimMessage {
  name: string;
  fields: (SkimField | undefined)[];
  /** Counts as one AnyValue nesting level (ArrayValue, KeyValueList). */
  nests: boolean;
  /** Field number whose occurrences are counted (the items of a scope), 0 = none. */
  counted: number;
  /** The ID fields, in slot order. */
  ids: SkimField[];
}

interface SkimField {
  name: string;
  wt: number;
  msg: SkimMessage | null;
  /** Trace/span ID: must be this many bytes or empty (last occurrence wins, as in the decoder); 0 = not an ID. */
  id: number;
  /** Which of the message's ID fields this is (0..2), set by msg(). */
  slot: number;
  /**
   * What one occurrence costs once decoded (decode-cost.ts): a sub-message its figure; -1 a
   * string (its length past the string cache); -2 bytes (a view when not empty).
   */
  cost: number;
}

const STRING = -1;
const BYTES = -2;

/** A field; `cost` is the decoded message's figure for message fields (see SkimField.cost). */
const f = (name: string, wt: number, msg: SkimMessage | null = null, cost = STRING): SkimField => ({
  name,
  wt,
  msg,
  id: 0,
  slot: -1,
  cost: wt === WT_LEN ? cost : 0,
});
const id = (name: string, size: number): SkimField => ({
  name,
  wt: WT_LEN,
  msg: null,
  id: size,
  slot: -1,
  cost: BYTES,
});
const msg = (
  name: string,
  list: [number, SkimField][],
  extra: { nests?: boolean; counted?: number } = {},
): SkimMessage => {
  const fields: (SkimField | undefined)[] = new Array(17).fill(undefined);
  const ids: SkimField[] = [];
  for (const [n, field] of list) {
    fields[n] = field;
    if (field.id !== 0) field.slot = ids.push(field) - 1;
  }
  return { name, fields, nests: extra.nests ?? false, counted: extra.counted ?? 0, ids };
};

// common.proto (AnyValue ↔ ArrayValue/KeyValueList are mutually recursive: patched below).
const anyValue: SkimMessage = msg('AnyValue', []);
const arrayValue = msg('ArrayValue', [[1, f('values', WT_LEN, anyValue, COST.arrayElement)]], {
  nests: true,
});
const keyValue = msg('KeyValue', [
  [1, f('key', WT_LEN)],
  [2, f('value', WT_LEN, anyValue, COST.inParent)],
  // OTLP 1.11 (profiles' string table): not kept by pdata, but a next hop that knows it
  // refuses it with another wire type, so it is checked like every known field
  [3, f('key_strindex', WT_VARINT)],
]);
const kvList = msg('KeyValueList', [[1, f('values', WT_LEN, keyValue, COST.keyValue)]], { nests: true });
anyValue.fields[1] = f('string_value', WT_LEN);
anyValue.fields[2] = f('bool_value', WT_VARINT);
anyValue.fields[3] = f('int_value', WT_VARINT);
anyValue.fields[4] = f('double_value', WT_I64);
anyValue.fields[5] = f('array_value', WT_LEN, arrayValue, COST.anyList);
anyValue.fields[6] = f('kvlist_value', WT_LEN, kvList, COST.anyList);
anyValue.fields[7] = f('bytes_value', WT_LEN, null, BYTES);
anyValue.fields[8] = f('string_value_strindex', WT_VARINT);

const attributes = (n: number): [number, SkimField] => [n, f('attributes', WT_LEN, keyValue, COST.keyValue)];

const scope = msg('InstrumentationScope', [
  [1, f('name', WT_LEN)],
  [2, f('version', WT_LEN)],
  attributes(3),
  [4, f('dropped_attributes_count', WT_VARINT)],
]);

// trace.proto
const event = msg('Event', [
  [1, f('time_unix_nano', WT_I64)],
  [2, f('name', WT_LEN)],
  attributes(3),
  [4, f('dropped_attributes_count', WT_VARINT)],
]);
const link = msg('Link', [
  [1, id('trace_id', 16)],
  [2, id('span_id', 8)],
  [3, f('trace_state', WT_LEN)],
  attributes(4),
  [5, f('dropped_attributes_count', WT_VARINT)],
  [6, f('flags', WT_I32)],
]);
const status = msg('Status', [
  [2, f('message', WT_LEN)],
  [3, f('code', WT_VARINT)],
]);
const span = msg('Span', [
  [1, id('trace_id', 16)],
  [2, id('span_id', 8)],
  [3, f('trace_state', WT_LEN)],
  [4, id('parent_span_id', 8)],
  [5, f('name', WT_LEN)],
  [6, f('kind', WT_VARINT)],
  [7, f('start_time_unix_nano', WT_I64)],
  [8, f('end_time_unix_nano', WT_I64)],
  attributes(9),
  [10, f('dropped_attributes_count', WT_VARINT)],
  [11, f('events', WT_LEN, event, COST.event)],
  [12, f('dropped_events_count', WT_VARINT)],
  [13, f('links', WT_LEN, link, COST.link)],
  [14, f('dropped_links_count', WT_VARINT)],
  [15, f('status', WT_LEN, status, COST.inParent)],
  [16, f('flags', WT_I32)],
]);
export const SCOPE_SPANS = msg(
  'ScopeSpans',
  [
    [1, f('scope', WT_LEN, scope, COST.resource)],
    [2, f('spans', WT_LEN, span, COST.span)],
    [3, f('schema_url', WT_LEN)],
  ],
  { counted: 2 },
);

// logs.proto
const logRecord = msg('LogRecord', [
  [1, f('time_unix_nano', WT_I64)],
  [2, f('severity_number', WT_VARINT)],
  [3, f('severity_text', WT_LEN)],
  [5, f('body', WT_LEN, anyValue, COST.inParent)],
  attributes(6),
  [7, f('dropped_attributes_count', WT_VARINT)],
  [8, f('flags', WT_I32)],
  [9, id('trace_id', 16)],
  [10, id('span_id', 8)],
  [11, f('observed_time_unix_nano', WT_I64)],
  [12, f('event_name', WT_LEN)],
]);
export const SCOPE_LOGS = msg(
  'ScopeLogs',
  [
    [1, f('scope', WT_LEN, scope, COST.resource)],
    [2, f('log_records', WT_LEN, logRecord, COST.logRecord)],
    [3, f('schema_url', WT_LEN)],
  ],
  { counted: 2 },
);

/** Thrown (preallocated, no stack) when skimming finds anything off; the caller then runs the full decoder. */
const INVALID = new DecodeError('invalid protobuf');
/** Occurrences of the scope's counted field seen by the current skim. */
let counted = 0;
/** Values the current skim validated (charged to the budget at its end, with their cost). */
let values = 0;
/** Nesting limit of the current skim (the budget's). */
let maxDepth = 0;

/**
 * Validates the message in buf[pos, end) without building anything. Never
 * accepts what the full decoder rejects (proto-lazy.test.ts checks that on
 * corrupted input); it may give up on rare valid input (groups, over-long
 * varints), which the caller then hands to the full decoder.
 */
function skimBody(buf: Uint8Array, pos: number, end: number, m: SkimMessage, depth: number): number {
  const fields = m.fields;
  const nf = fields.length;
  // what decoding this message's fields will cost, and how many values (locals: this is the hot loop)
  let cost = 0;
  let vals = 0;
  let id0 = -1;
  let id1 = -1;
  let id2 = -1;
  while (pos < end) {
    // Tag: a varint of at most 5 bytes and 32 bits (wider ones: the full decoder refuses them).
    let t = buf[pos++];
    if (t >= 0x80) {
      t &= 0x7f;
      let shift = 7;
      for (;;) {
        if (pos >= end || shift > 28) throw INVALID;
        const b = buf[pos++];
        if (shift === 28 && b > 0x0f) throw INVALID;
        t |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      t >>>= 0;
    }
    const n = t >>> 3;
    const wt = t & 7;
    if (n === 0) throw INVALID;
    const field = n < nf ? fields[n] : undefined;
    if (field !== undefined && wt !== field.wt) throw INVALID;
    switch (wt) {
      case 0: {
        // Varint: at most 10 bytes.
        const limit = pos + 10;
        for (;;) {
          if (pos >= end || pos >= limit) throw INVALID;
          if (buf[pos++] < 0x80) break;
        }
        break;
      }
      case 1:
        pos += 8;
        if (pos > end) throw INVALID;
        break;
      case 5:
        pos += 4;
        if (pos > end) throw INVALID;
        break;
      case 2: {
        // Length: a varint of at most 4 bytes (256 MiB), longer ones go to the full decoder.
        let len = buf[pos++];
        if (len >= 0x80) {
          len &= 0x7f;
          let shift = 7;
          for (;;) {
            if (pos >= end || shift > 21) throw INVALID;
            const b = buf[pos++];
            len |= (b & 0x7f) << shift;
            if (b < 0x80) break;
            shift += 7;
          }
        }
        const stop = pos + len;
        if (pos > end || stop > end) throw INVALID;
        if (field !== undefined) {
          const sub = field.msg;
          if (sub !== null) {
            const d = sub.nests ? depth + 1 : depth;
            if (d > maxDepth) throw INVALID;
            cost +=
              field.cost +
              (sub === keyValue && fastPath
                ? skimKeyValue(buf, pos, stop, d)
                : sub === anyValue && fastPath
                  ? skimAnyValue(buf, pos, stop, d)
                  : skimBody(buf, pos, stop, sub, d));
            vals++;
            if (n === m.counted) counted++;
          } else {
            if (field.id !== 0) {
              if (field.slot === 0) id0 = len;
              else if (field.slot === 1) id1 = len;
              else id2 = len;
            }
            // what the full decoder charges for the value: a view, or a string past the cache
            if (field.cost === BYTES) {
              if (len > 0) {
                cost += COST.bytesView;
                vals++;
              }
            } else if (len > CACHED_STRING_MAX) {
              cost += len + COST.string;
              vals++;
            }
          }
        }
        pos = stop;
        break;
      }
      default:
        // Groups (deprecated), stray end-group tags, wire types 6 and 7: left to the full decoder.
        throw INVALID;
    }
  }
  if (pos !== end) throw INVALID;
  if (id0 > 0 && id0 !== m.ids[0].id) throw INVALID;
  if (id1 > 0 && id1 !== m.ids[1].id) throw INVALID;
  if (id2 > 0 && id2 !== m.ids[2].id) throw INVALID;
  values += vals;
  return cost;
}

// The fast path of the two messages that make up most of a request: attributes (KeyValue) and
// their values (AnyValue) are ~20 of the ~22 messages of a typical span, and skimBody's general
// walk (field table, switch, ID bookkeeping) per message was most of the skim's time. These
// loops take the common fields in their one-byte-tag form and hand whatever else comes (another
// field, a multi-byte tag, anything invalid) to skimBody for the rest of the message. That is
// exact because neither message has ID fields or counted items: skimBody checks each field on
// its own, so validating a prefix here and the suffix there accepts and refuses exactly what one
// skimBody over the whole message does, with the same cost and value count
// (proto-lazy.test.ts compares the two on valid and corrupted input).

/** Off only in tests: the general walk alone, to compare the fast path with. */
let fastPath = true;

/** Turns the KeyValue/AnyValue fast path off or on (tests). */
export function setSkimFastPath(on: boolean): void {
  fastPath = on;
}

/** Tags (field number << 3 | wire type) in their one-byte form. */
const TAG_1_LEN = 0x0a; // KeyValue.key, AnyValue.string_value
const TAG_2_LEN = 0x12; // KeyValue.value
const TAG_2_VARINT = 0x10; // AnyValue.bool_value
const TAG_3_VARINT = 0x18; // AnyValue.int_value
const TAG_4_I64 = 0x21; // AnyValue.double_value
const TAG_7_LEN = 0x3a; // AnyValue.bytes_value

/** skimBody(buf, pos, end, keyValue, depth), faster (see above). */
function skimKeyValue(buf: Uint8Array, pos: number, end: number, depth: number): number {
  let cost = 0;
  let vals = 0;
  while (pos < end) {
    const t = buf[pos];
    if (t !== TAG_1_LEN && t !== TAG_2_LEN) break;
    if (pos + 1 >= end || buf[pos + 1] >= 0x80) break; // a multi-byte length (or none)
    const len = buf[pos + 1];
    const start = pos + 2;
    const stop = start + len;
    if (stop > end) throw INVALID;
    if (t === TAG_1_LEN) {
      if (len > CACHED_STRING_MAX) {
        cost += len + COST.string;
        vals++;
      }
    } else {
      if (depth > maxDepth) throw INVALID;
      cost += COST.inParent + skimAnyValue(buf, start, stop, depth);
      vals++;
    }
    pos = stop;
  }
  values += vals;
  return pos < end ? cost + skimBody(buf, pos, end, keyValue, depth) : cost;
}

/** skimBody(buf, pos, end, anyValue, depth), faster (see above). */
function skimAnyValue(buf: Uint8Array, pos: number, end: number, depth: number): number {
  let cost = 0;
  let vals = 0;
  while (pos < end) {
    const t = buf[pos];
    if (t === TAG_1_LEN || t === TAG_7_LEN) {
      if (pos + 1 >= end || buf[pos + 1] >= 0x80) break; // a multi-byte length (or none)
      const len = buf[pos + 1];
      const stop = pos + 2 + len;
      if (stop > end) throw INVALID;
      if (t === TAG_1_LEN) {
        if (len > CACHED_STRING_MAX) {
          cost += len + COST.string;
          vals++;
        }
      } else if (len > 0) {
        cost += COST.bytesView;
        vals++;
      }
      pos = stop;
    } else if (t === TAG_2_VARINT || t === TAG_3_VARINT) {
      // a varint of at most 10 bytes
      pos++;
      const limit = pos + 10;
      for (;;) {
        if (pos >= end || pos >= limit) throw INVALID;
        if (buf[pos++] < 0x80) break;
      }
    } else if (t === TAG_4_I64) {
      pos += 9;
      if (pos > end) throw INVALID;
    } else break;
  }
  values += vals;
  return pos < end ? cost + skimBody(buf, pos, end, anyValue, depth) : cost;
}

/**
 * Validates one scope message (buf[pos, end)) and returns how many items it holds; charges
 * `budget` with what decoding it will cost (the scope container included).
 */
export function skimScope(
  buf: Uint8Array,
  pos: number,
  end: number,
  m: SkimMessage,
  budget: DecodeBudget = defaultBudget(),
): number {
  counted = 0;
  values = 1;
  maxDepth = budget.maxDepth;
  const cost = COST.scopeLevel + skimBody(buf, pos, end, m, 0);
  budget.charge(cost, values);
  return counted;
}

/**
 * Counts the items of one scope message without validating it: for bytes this
 * process encoded itself (the persistent queue's in-memory copy of a batch).
 */
export function countScope(buf: Uint8Array, pos: number, end: number, m: SkimMessage): number {
  let n = 0;
  while (pos < end) {
    let tag = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[pos++];
      tag |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    switch (tag & 7) {
      case WT_VARINT:
        while (buf[pos++] & 0x80);
        break;
      case WT_I64:
        pos += 8;
        break;
      case WT_I32:
        pos += 4;
        break;
      case WT_LEN: {
        let len = 0;
        shift = 0;
        do {
          b = buf[pos++];
          len += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b & 0x80 && shift < 35);
        pos += len;
        if (tag >>> 3 === m.counted) n++;
        break;
      }
      default:
        throw INVALID;
    }
  }
  if (pos !== end) throw INVALID;
  return n;
}

/** Decodes a kept scope list (its segments, in order) with the decoder of one segment. */
export function scopeListDecoder<S>(decodeScopes: (seg: Uint8Array) => S[]): (raw: Uint8Array[]) => S[] {
  return (raw) => {
    if (raw.length === 1) return decodeScopes(raw[0]);
    const list: S[] = [];
    for (const seg of raw) for (const s of decodeScopes(seg)) list.push(s);
    return list;
  };
}

/**
 * Decodes the top level of a request lazily: one entry per ResourceX (field 1),
 * built by `build` from its resource and schema URL, with `listKey` defined as
 * the lazily decoded scope list. Throws a DecodeError on any invalid input, a
 * DecodeLimitError when the request would cost more than `budget` once decoded.
 */
export function decodeTopLazy<E extends object, S>(
  buf: Uint8Array,
  scopeMsg: SkimMessage,
  listKey: string,
  /** Decodes the scope entries of one kept segment (tags included), validated before. */
  decodeScopes: (seg: Uint8Array) => S[],
  build: (resource: Resource, schemaUrl: string) => E,
  trusted = false,
  lease?: Lease,
  budget: DecodeBudget = trusted ? UNLIMITED_BUDGET : defaultBudget(),
): E[] {
  const r = new Reader(buf, budget);
  // the resource is decoded now: its bytes values must not point into a pooled buffer
  r.copyBytes = lease !== undefined;
  const out: E[] = [];
  const decodeList = scopeListDecoder(decodeScopes);
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 !== 1) {
      r.skip(t);
      continue;
    }
    if ((t & 7) !== WT_LEN) throw r.wrongType('resource', t, WT_LEN);
    const pe = r.enter(COST.resourceLevel);
    const stop = r.want;
    let resource: Resource | undefined;
    let schemaUrl = '';
    const raw: Uint8Array[] = [];
    let items = 0;
    let segStart = -1;
    let segEnd = -1;
    while (r.pos < r.end) {
      const start = r.pos;
      const ft = r.tag();
      switch (ft >>> 3) {
        case 1:
          if ((ft & 7) !== WT_LEN) throw r.wrongType('resource', ft, WT_LEN);
          resource = decodeResource(r);
          break;
        case 2:
          if ((ft & 7) !== WT_LEN) throw r.wrongType(scopeMsg.name, ft, WT_LEN);
          {
            const stop = r.lenEnd();
            items += trusted
              ? countScope(buf, r.pos, stop, scopeMsg)
              : skimScope(buf, r.pos, stop, scopeMsg, budget);
            r.pos = stop;
          }
          // Consecutive scope entries (the usual layout) stay one contiguous view.
          if (start !== segEnd) {
            if (segStart >= 0) raw.push(buf.subarray(segStart, segEnd));
            segStart = start;
          }
          segEnd = r.pos;
          break;
        case 3:
          if ((ft & 7) !== WT_LEN) throw r.wrongType('schema_url', ft, WT_LEN);
          schemaUrl = r.string();
          break;
        default:
          r.skip(ft);
      }
    }
    r.leave(pe, stop);
    if (segStart >= 0) raw.push(buf.subarray(segStart, segEnd));
    const entry = build(resource ?? newResource(), schemaUrl);
    defineLazyList(entry, listKey, raw, items, decodeList, lease);
    out.push(entry);
  }
  return out;
}

/**
 * Runs a lazy decode; on invalid input, the full decoder names what is wrong and where.
 * `pooled`: `buf` will be reused, so the full decoder (whose result would view it) gets a copy.
 * The full decoder starts from a fresh count of `budget` (nothing of the lazy attempt is kept).
 */
export function lazyOrFull<T>(
  buf: Uint8Array,
  lazy: (buf: Uint8Array) => T,
  full: (buf: Uint8Array, budget: DecodeBudget) => T,
  pooled: boolean,
  budget: DecodeBudget,
): T {
  try {
    return lazy(buf);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    budget.reset();
    return full(pooled ? new Uint8Array(buf) : buf, budget);
  }
}
