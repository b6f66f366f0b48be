// common.proto and resource.proto messages: decode (each decoder reads its own length prefix)
// and the size/write pairs used by the encoders.
import type {
  AnyValue,
  ArrayValue,
  EntityRef,
  InstrumentationScope,
  KeyValue,
  KeyValueList,
  Resource,
} from '../pdata/types.js';
import { DEFAULT_DECODE_LIMITS } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { atPath, DecodeError } from './errors.js';
import {
  int64Size,
  isRawChunk,
  lenFieldSize,
  type Reader,
  reserve,
  sizes,
  strField,
  type Writer,
  WT_I64,
  WT_LEN,
  WT_VARINT,
} from './proto-wire.js';

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/**
 * Default nesting limit for array/kvlist AnyValues (the budget's maxDepth): deeper input is
 * rejected instead of exhausting the stack.
 */
export const MAX_ANY_DEPTH = DEFAULT_DECODE_LIMITS.maxDepth;

// ---------------------------------------------------------------- decode

/** `cost`: the AnyValue's own heap cost where its parent's figure does not include it (array elements). */
export function decodeAnyValue(r: Reader, cost: number = COST.inParent): AnyValue {
  const pe = r.enter(cost);
  const stop = r.want;
  let v: AnyValue = {};
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('string_value', t, WT_LEN);
        v = { stringValue: r.string() };
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('bool_value', t, WT_VARINT);
        v = { boolValue: r.bool() };
        break;
      case 3:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('int_value', t, WT_VARINT);
        v = { intValue: r.int64() };
        break;
      case 4:
        if ((t & 7) !== WT_I64) throw r.wrongType('double_value', t, WT_I64);
        v = { doubleValue: r.double() };
        break;
      case 5:
        if ((t & 7) !== WT_LEN) throw r.wrongType('array_value', t, WT_LEN);
        try {
          v = { arrayValue: decodeArrayValue(r) };
        } catch (e) {
          throw atPath(e, 'array_value');
        }
        break;
      case 6:
        if ((t & 7) !== WT_LEN) throw r.wrongType('kvlist_value', t, WT_LEN);
        try {
          v = { kvlistValue: decodeKeyValueList(r) };
        } catch (e) {
          throw atPath(e, 'kvlist_value');
        }
        break;
      case 7:
        if ((t & 7) !== WT_LEN) throw r.wrongType('bytes_value', t, WT_LEN);
        v = { bytesValue: r.bytes() };
        break;
      case 8:
        // string_value_strindex (OTLP 1.11, profiles' string table): a oneof member pdata does
        // not model, checked like the others and read as unset
        if ((t & 7) !== WT_VARINT) throw r.wrongType('string_value_strindex', t, WT_VARINT);
        r.skip(t);
        v = {};
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return v;
}

function decodeArrayValue(r: Reader): ArrayValue {
  const maxDepth = r.budget.maxDepth;
  if (++r.depth > maxDepth) throw r.fail(`AnyValue nested deeper than ${maxDepth} levels`);
  const pe = r.enter(COST.anyList);
  const stop = r.want;
  const values: AnyValue[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      if ((t & 7) !== WT_LEN) throw r.wrongType('values', t, WT_LEN);
      try {
        values.push(decodeAnyValue(r, COST.arrayElement));
      } catch (e) {
        throw atPath(e, 'values', values.length);
      }
    } else r.skip(t);
  }
  r.leave(pe, stop);
  r.depth--;
  return { values };
}

function decodeKeyValueList(r: Reader): KeyValueList {
  const maxDepth = r.budget.maxDepth;
  if (++r.depth > maxDepth) throw r.fail(`AnyValue nested deeper than ${maxDepth} levels`);
  const pe = r.enter(COST.anyList);
  const stop = r.want;
  const values: KeyValue[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      if ((t & 7) !== WT_LEN) throw r.wrongType('values', t, WT_LEN);
      try {
        values.push(decodeKeyValue(r));
      } catch (e) {
        throw atPath(e, 'values', values.length);
      }
    } else r.skip(t);
  }
  r.leave(pe, stop);
  r.depth--;
  return { values };
}

export function decodeKeyValue(r: Reader): KeyValue {
  const pe = r.enter(COST.keyValue);
  const stop = r.want;
  let key = '';
  let value: AnyValue | undefined;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('key', t, WT_LEN);
        key = r.string();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('value', t, WT_LEN);
        try {
          value = decodeAnyValue(r);
        } catch (e) {
          throw atPath(e, 'value');
        }
        break;
      case 3:
        // key_strindex (OTLP 1.11, profiles' string table): known, so checked, not kept
        if ((t & 7) !== WT_VARINT) throw r.wrongType('key_strindex', t, WT_VARINT);
        r.skip(t);
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { key, value: value ?? {} };
}

/** Decodes a repeated KeyValue element into `list` (path-annotated on error). */
export function pushKeyValue(r: Reader, t: number, list: KeyValue[], name: string): void {
  if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
  try {
    list.push(decodeKeyValue(r));
  } catch (e) {
    throw atPath(e, name, list.length);
  }
}

function decodeEntityRef(r: Reader): EntityRef {
  const pe = r.enter(COST.entityRef);
  const stop = r.want;
  let schemaUrl = '';
  let type = '';
  const idKeys: string[] = [];
  const descriptionKeys: string[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('schema_url', t, WT_LEN);
        schemaUrl = r.string();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('type', t, WT_LEN);
        type = r.string();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('id_keys', t, WT_LEN);
        idKeys.push(r.string());
        break;
      case 4:
        if ((t & 7) !== WT_LEN) throw r.wrongType('description_keys', t, WT_LEN);
        descriptionKeys.push(r.string());
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { schemaUrl, type, idKeys, descriptionKeys };
}

export function decodeResource(r: Reader): Resource {
  const pe = r.enter(COST.resource);
  const stop = r.want;
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  const entityRefs: EntityRef[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 2:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('entity_refs', t, WT_LEN);
        try {
          entityRefs.push(decodeEntityRef(r));
        } catch (e) {
          throw atPath(e, 'entity_refs', entityRefs.length);
        }
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { attributes, droppedAttributesCount, entityRefs };
}

export function decodeScope(r: Reader): InstrumentationScope {
  const pe = r.enter(COST.resource);
  const stop = r.want;
  let name = '';
  let version = '';
  const attributes: KeyValue[] = [];
  let droppedAttributesCount = 0;
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType('name', t, WT_LEN);
        name = r.string();
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType('version', t, WT_LEN);
        version = r.string();
        break;
      case 3:
        pushKeyValue(r, t, attributes, 'attributes');
        break;
      case 4:
        if ((t & 7) !== WT_VARINT) throw r.wrongType('dropped_attributes_count', t, WT_VARINT);
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { name, version, attributes, droppedAttributesCount };
}

/** Checks an ID's length: `want` bytes or empty. `what` names it (`span.trace_id`). */
export function checkId(id: Uint8Array, want: number, what: string): void {
  if (id.length !== want && id.length !== 0) {
    throw new DecodeError(`${what} must be ${want} bytes, got ${id.length}`);
  }
}

// ---------------------------------------------------------------- size / write

/** Which AnyValue kind is set: 0 none, 1..7 the proto field number. */
export function anyKind(v: AnyValue): number {
  const a = v as Record<string, unknown>;
  if (a.stringValue !== undefined) return 1;
  if (a.intValue !== undefined) return 3;
  if (a.boolValue !== undefined) return 2;
  if (a.doubleValue !== undefined) return 4;
  if (a.arrayValue !== undefined) return 5;
  if (a.kvlistValue !== undefined) return 6;
  if (a.bytesValue !== undefined) return 7;
  return 0;
}

/** Size of an AnyValue's body (reserves slots for nested messages). */
export function sizeAnyValue(v: AnyValue, kind: number): number {
  const a = v as any;
  switch (kind) {
    case 1:
      return strField(a.stringValue);
    case 2:
      return 2;
    case 3:
      return 1 + int64Size(a.intValue);
    case 4:
      return 9;
    case 5:
      return lenFieldSize(sizeAnyList(a.arrayValue.values));
    case 6:
      return lenFieldSize(sizeKeyValueList(a.kvlistValue.values));
    case 7:
      return lenFieldSize(a.bytesValue.length);
    default:
      return 0;
  }
}

function sizeAnyList(values: AnyValue[]): number {
  const slot = reserve();
  let n = 0;
  for (let i = 0; i < values.length; i++) n += lenFieldSize(sizeAnySlot(values[i]));
  sizes.tab[slot] = n;
  return n;
}

/**
 * Reserves an AnyValue's slot and records size * 8 + kind (so the writer does not look the kind
 * up again); returns the body size. An empty AnyValue records 0.
 */
export function sizeAnySlot(v: AnyValue): number {
  const s = reserve();
  const kind = anyKind(v);
  const m = sizeAnyValue(v, kind);
  sizes.tab[s] = m * 8 + kind;
  return m;
}

function sizeKeyValueList(values: KeyValue[]): number {
  const slot = reserve();
  const n = sizeKeyValues(values, 1);
  sizes.tab[slot] = n;
  return n;
}

/** Size of a KeyValue body (reserves its own slot first). */
export function sizeKeyValue(kv: KeyValue): number {
  const slot = reserve();
  let n = 0;
  if (kv.key !== '') n += strField(kv.key);
  const m = sizeAnySlot(kv.value);
  if (m !== 0) n += lenFieldSize(m); // a set AnyValue is never 0 bytes
  sizes.tab[slot] = n;
  return n;
}

/** Total size of a repeated KeyValue field (one-byte tag). */
export function sizeKeyValues(list: KeyValue[], _field: number): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) n += lenFieldSize(sizeKeyValue(list[i]));
  return n;
}

/** Writes an AnyValue body. */
export function writeAnyValue(w: Writer, v: AnyValue, kind: number): void {
  const a = v as any;
  switch (kind) {
    case 1:
      w.byte(0x0a);
      w.str(a.stringValue);
      return;
    case 2:
      w.byte(0x10);
      w.byte(a.boolValue ? 1 : 0);
      return;
    case 3:
      w.byte(0x18);
      w.int64(a.intValue);
      return;
    case 4:
      w.byte(0x21);
      w.double(a.doubleValue);
      return;
    case 5: {
      w.byte(0x2a);
      w.len();
      const values: AnyValue[] = a.arrayValue.values;
      for (let i = 0; i < values.length; i++) {
        w.byte(0x0a);
        writeAnyValue(w, values[i], w.anyLen());
      }
      return;
    }
    case 6:
      w.byte(0x32);
      w.len();
      writeKeyValues(w, a.kvlistValue.values, 0x0a);
      return;
    case 7:
      w.byte(0x3a);
      w.bytes(a.bytesValue);
      return;
  }
}

/** Writes a repeated KeyValue field with the one-byte tag `tag`. */
export function writeKeyValues(w: Writer, list: KeyValue[], tag: number): void {
  for (let i = 0; i < list.length; i++) {
    const kv = list[i];
    w.byte(tag);
    w.len();
    if (kv.key !== '') {
      w.byte(0x0a);
      w.str(kv.key);
    }
    // The AnyValue slot: 0 when empty (the field is omitted), else size * 8 + kind.
    const v = w.tab[w.si];
    if (v === 0) w.si++;
    else {
      w.byte(0x12);
      writeAnyValue(w, kv.value, w.anyLen());
    }
  }
}

// Always written, even when empty (see statusEmpty in proto-traces.ts).
function resourceEmpty(_res: Resource): boolean {
  return false;
}

function sizeEntityRef(e: EntityRef): number {
  let n = 0;
  if (e.schemaUrl !== '') n += strField(e.schemaUrl);
  if (e.type !== '') n += strField(e.type);
  for (const k of e.idKeys) n += strField(k);
  for (const k of e.descriptionKeys) n += strField(k);
  return n;
}

/** Size of the `resource` field (tag 1) including tag and length; 0 if omitted. */
export function sizeResourceField(res: Resource): number {
  if (resourceEmpty(res)) return 0;
  const slot = reserve();
  let n = sizeKeyValues(res.attributes, 1);
  if (res.droppedAttributesCount !== 0) n += 1 + varintSizeU(res.droppedAttributesCount);
  for (const e of res.entityRefs) {
    const s = reserve();
    const m = sizeEntityRef(e);
    sizes.tab[s] = m;
    n += lenFieldSize(m);
  }
  sizes.tab[slot] = n;
  return lenFieldSize(n);
}

export function writeResourceField(w: Writer, res: Resource): void {
  if (resourceEmpty(res)) return;
  w.byte(0x0a);
  w.len();
  writeKeyValues(w, res.attributes, 0x0a);
  if (res.droppedAttributesCount !== 0) {
    w.byte(0x10);
    w.uint32(res.droppedAttributesCount);
  }
  for (const e of res.entityRefs) {
    w.byte(0x1a);
    w.len();
    if (e.schemaUrl !== '') {
      w.byte(0x0a);
      w.str(e.schemaUrl);
    }
    if (e.type !== '') {
      w.byte(0x12);
      w.str(e.type);
    }
    for (const k of e.idKeys) {
      w.byte(0x1a);
      w.str(k);
    }
    for (const k of e.descriptionKeys) {
      w.byte(0x22);
      w.str(k);
    }
  }
}

function scopeEmpty(_s: InstrumentationScope): boolean {
  return false;
}

/** Size of the `scope` field (tag 1) including tag and length; 0 if omitted. */
export function sizeScopeField(s: InstrumentationScope): number {
  if (scopeEmpty(s)) return 0;
  const slot = reserve();
  let n = 0;
  if (s.name !== '') n += strField(s.name);
  if (s.version !== '') n += strField(s.version);
  n += sizeKeyValues(s.attributes, 3);
  if (s.droppedAttributesCount !== 0) n += 1 + varintSizeU(s.droppedAttributesCount);
  sizes.tab[slot] = n;
  return lenFieldSize(n);
}

export function writeScopeField(w: Writer, s: InstrumentationScope): void {
  if (scopeEmpty(s)) return;
  w.byte(0x0a);
  w.len();
  if (s.name !== '') {
    w.byte(0x0a);
    w.str(s.name);
  }
  if (s.version !== '') {
    w.byte(0x12);
    w.str(s.version);
  }
  writeKeyValues(w, s.attributes, 0x1a);
  if (s.droppedAttributesCount !== 0) {
    w.byte(0x20);
    w.uint32(s.droppedAttributesCount);
  }
}

/** Varint size of a uint32 field value (values are taken modulo 2^32 like the writer does). */
export function varintSizeU(n: number): number {
  n >>>= 0;
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

// ------------------------------------------- generic Resource*/Scope* containers (not hot)

export interface Level<R, C> {
  head: R;
  items: C[];
  schemaUrl: string;
}

/**
 * Decodes a ResourceX/ScopeX container: field 1 the head message (resource or scope), field 2 the
 * repeated items, field 3 schema_url. Reads its own length prefix. `cost`: the container's heap cost.
 */
export function decodeLevel<R, C>(
  r: Reader,
  cost: number,
  headName: string,
  decodeHead: (r: Reader) => R,
  itemsName: string,
  decodeItem: (r: Reader) => C,
): Level<R | undefined, C> {
  const pe = r.enter(cost);
  const stop = r.want;
  let head: R | undefined;
  const items: C[] = [];
  let schemaUrl = '';
  while (r.pos < r.end) {
    const t = r.tag();
    switch (t >>> 3) {
      case 1:
        if ((t & 7) !== WT_LEN) throw r.wrongType(headName, t, WT_LEN);
        try {
          head = decodeHead(r);
        } catch (e) {
          throw atPath(e, headName);
        }
        break;
      case 2:
        if ((t & 7) !== WT_LEN) throw r.wrongType(itemsName, t, WT_LEN);
        try {
          items.push(decodeItem(r));
        } catch (e) {
          throw atPath(e, itemsName, items.length);
        }
        break;
      case 3:
        if ((t & 7) !== WT_LEN) throw r.wrongType('schema_url', t, WT_LEN);
        schemaUrl = r.string();
        break;
      default:
        r.skip(t);
    }
  }
  r.leave(pe, stop);
  return { head, items, schemaUrl };
}

/** Decodes the top-level request: repeated field 1 of `decodeItem`. */
export function decodeTop<C>(r: Reader, name: string, decodeItem: (r: Reader) => C): C[] {
  const items: C[] = [];
  while (r.pos < r.end) {
    const t = r.tag();
    if (t >>> 3 === 1) {
      if ((t & 7) !== WT_LEN) throw r.wrongType(name, t, WT_LEN);
      try {
        items.push(decodeItem(r));
      } catch (e) {
        throw atPath(e, name, items.length);
      }
    } else r.skip(t);
  }
  return items;
}

export function newResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
}
export function newScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

/** Size body of a ResourceX/ScopeX container (reserves its slot): head field size + items + schema_url. */
export function sizeLevel<C>(
  headSize: number,
  items: C[] | Uint8Array[],
  sizeItem: (c: C) => number,
  schemaUrl: string,
  raw?: Uint8Array[],
): number {
  let n = headSize;
  if (raw !== undefined) n += rawSize(raw);
  else for (let i = 0; i < items.length; i++) n += lenFieldSize(sizeItem(items[i] as C));
  if (schemaUrl !== '') n += strField(schemaUrl);
  return n;
}

/** Bytes of a lazily kept scope list (src/pdata/lazy.ts). */
export function rawSize(raw: Uint8Array[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    n += raw[i].length;
    if (isRawChunk(raw[i])) sizes.rawChunked += raw[i].length;
  }
  return n;
}

/** Writes a container's items (or its never-read wire bytes) and schema_url. */
export function writeLevelTail<C>(
  w: Writer,
  items: C[] | Uint8Array[],
  writeItem: (w: Writer, c: C) => void,
  schemaUrl: string,
  raw?: Uint8Array[],
): void {
  if (raw !== undefined) for (let i = 0; i < raw.length; i++) w.raw(raw[i]);
  else
    for (let i = 0; i < items.length; i++) {
      w.byte(0x12);
      writeItem(w, items[i] as C);
    }
  if (schemaUrl !== '') {
    w.byte(0x1a);
    w.str(schemaUrl);
  }
}
