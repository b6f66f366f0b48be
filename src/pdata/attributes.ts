// Small helpers over KeyValue lists and AnyValue. Attribute lists stay arrays
// (as on the wire, order preserved); lookups are linear, which is faster than
// a Map for the ~10 attributes a record usually has.
import type { AnyValue, KeyValue } from './types.js';

export function findAttr(attrs: KeyValue[], key: string): KeyValue | undefined {
  for (let i = 0; i < attrs.length; i++) if (attrs[i].key === key) return attrs[i];
  return undefined;
}

export function getAttr(attrs: KeyValue[], key: string): AnyValue | undefined {
  return findAttr(attrs, key)?.value;
}

/** Sets (upserts) an attribute, keeping its position if it exists. */
export function setAttr(attrs: KeyValue[], key: string, value: AnyValue): void {
  const kv = findAttr(attrs, key);
  if (kv) kv.value = value;
  else attrs.push({ key, value });
}

/**
 * An item with attributes (span, log record, ...). Items that stay protobuf until read (the
 * codec's wire items) also read and set attributes by key without decoding the whole list.
 */
export interface AttributeItem {
  attributes: KeyValue[];
  getAttribute?(key: string): AnyValue | undefined;
  getAttributeValue?(key: string): AttributeValue | undefined;
  setAttribute?(key: string, value: AnyValue): void;
  attributeShape?(key: string, utf8: Uint8Array): number;
  attributeShapeStringIs?(utf8: Uint8Array): boolean;
  attributeShapeNumber?(kind: number): number | undefined;
}

/** An attribute's value as itemAttributeValue gives it: a scalar as itself, anything else as its AnyValue. */
export type AttributeValue = AnyValue | string | boolean | bigint | number;

/**
 * The value of an item's attribute `key` (the first pair with it). On an item decoded lazily the
 * other attributes stay undecoded; the value must then not be changed in place: set a new one
 * with setItemAttribute.
 */
export function itemAttribute(item: AttributeItem, key: string): AnyValue | undefined {
  if (item.getAttribute !== undefined) return item.getAttribute(key);
  return getAttr(item.attributes, key);
}

/**
 * Like itemAttribute, but a string, bool, int (bigint) or double value may come back as that JS
 * value instead of its AnyValue (a lazily decoded item then makes no AnyValue for it): for readers
 * that only look at the value. Any other value comes back as its AnyValue; undefined: no such key.
 */
export function itemAttributeValue(item: AttributeItem, key: string): AttributeValue | undefined {
  if (item.getAttributeValue !== undefined) return item.getAttributeValue(key);
  return getAttr(item.attributes, key);
}

/** itemAttributeShape: the item cannot tell without reading the value the general way. */
export const SHAPE_UNKNOWN = -2;
/** itemAttributeShape: the item has no attribute `key`. */
export const SHAPE_ABSENT = -1;

/**
 * What an item's attribute `key` (whose UTF-8 bytes are `utf8`) holds, told without decoding it, for readers that only test its
 * kind or compare it with a constant: SHAPE_ABSENT, 0 (an empty value), the kind of a value that
 * is one string (1), bool (2), int (3), double (4), array (5), kvlist (6) or bytes (7), or
 * SHAPE_UNKNOWN (read it with itemAttributeValue; always so for items that are not lazily decoded).
 * Right after an answer of 1, itemAttributeShapeStringIs compares the string; after 3 or 4,
 * itemAttributeShapeNumber gives the number (nothing else may read the item in between).
 */
export function itemAttributeShape(item: AttributeItem, key: string, utf8: Uint8Array): number {
  return item.attributeShape !== undefined ? item.attributeShape(key, utf8) : SHAPE_UNKNOWN;
}

/** After itemAttributeShape(item, key) gave 1: whether the string's UTF-8 bytes are `utf8`. */
export function itemAttributeShapeStringIs(item: AttributeItem, utf8: Uint8Array): boolean {
  return item.attributeShapeStringIs!(utf8);
}

/** After itemAttributeShape(item, key) gave 3 or 4: the value (undefined: an int past ±2^49, read it as a bigint). */
export function itemAttributeShapeNumber(item: AttributeItem, kind: number): number | undefined {
  return item.attributeShapeNumber!(kind);
}

/** Sets (upserts) an item's attribute `key`, as setAttr does on its list. */
export function setItemAttribute(item: AttributeItem, key: string, value: AnyValue): void {
  if (item.setAttribute !== undefined) item.setAttribute(key, value);
  else setAttr(item.attributes, key, value);
}

export function deleteAttr(attrs: KeyValue[], key: string): boolean {
  const i = attrs.findIndex((kv) => kv.key === key);
  if (i < 0) return false;
  attrs.splice(i, 1);
  return true;
}

export function str(s: string): AnyValue {
  return { stringValue: s };
}

/** Builds an AnyValue from a plain JS value (JSON-parsed data, config values). */
export function toAnyValue(v: unknown): AnyValue {
  if (v === null || v === undefined) return {};
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'bigint':
      return { intValue: v };
    case 'number':
      return Number.isInteger(v) && Number.isSafeInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
    default:
      if (v instanceof Uint8Array) return { bytesValue: v };
      if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
      return {
        kvlistValue: {
          values: Object.entries(v as Record<string, unknown>).map(([key, val]) => ({
            key,
            value: toAnyValue(val),
          })),
        },
      };
  }
}

/** Converts an AnyValue to a plain JS value (ints beyond 2^53 stay bigint, bytes become base64). */
export function fromAnyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = v.intValue as bigint;
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue as { values: AnyValue[] }).values.map(fromAnyValue);
  if ('kvlistValue' in v) {
    const o: Record<string, unknown> = {};
    for (const kv of (v.kvlistValue as { values: KeyValue[] }).values) o[kv.key] = fromAnyValue(kv.value);
    return o;
  }
  if ('bytesValue' in v) return Buffer.from(v.bytesValue as Uint8Array).toString('base64');
  return undefined;
}

/**
 * The string form the collector uses when an AnyValue is shown as text
 * (pcommon.Value.AsString): strings as is, maps and arrays as JSON, bytes base64.
 */
export function anyValueToString(v: AnyValue | undefined): string {
  if (!v) return '';
  if ('stringValue' in v) return v.stringValue as string;
  if ('intValue' in v) return (v.intValue as bigint).toString();
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('bytesValue' in v) return Buffer.from(v.bytesValue as Uint8Array).toString('base64');
  if ('arrayValue' in v || 'kvlistValue' in v) return JSON.stringify(fromAnyValue(v), bigintReplacer);
  return '';
}

function bigintReplacer(_k: string, val: unknown): unknown {
  return typeof val === 'bigint' ? val.toString() : val;
}
