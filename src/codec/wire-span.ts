// A span that stays protobuf until read, field by field (wire-item.ts says how
// changes are found). It is a Span like any other: every field reads and
// assigns as on a plain object. The fields live on the prototype (accessors),
// so generic walks over own properties (spread, Object.entries) do not see
// them: pdata is read through its field names, and toJSON() gives the plain
// form.

import { type AttributeValue, getAttr, setAttr } from '../pdata/attributes.js';
import type { AnyValue, KeyValue, Span, SpanEvent, SpanLink, Status } from '../pdata/types.js';
import {
  attributeShape,
  type KvOrigin,
  NEEDS_LIST,
  NEEDS_LIST_VALUE,
  peekAttribute,
  peekAttributeValue,
  SHAPE_UNKNOWN,
  setAttributeAside,
  shapeNumber,
  shapeStringIs,
  type WireList,
} from './wire-item.js';

const EMPTY = new Uint8Array(0);
/** Placeholder of a list field not decoded yet (never handed out: reading decodes first). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

export class WireSpan implements Span {
  /** Fields read or assigned (bit 1 << field number). */
  loaded = 0;
  /** Fields assigned. */
  dirty = 0;
  /** The changed fields found by the last sizing pass (the write pass reuses it). */
  changes = 0;
  /** When only the attributes changed: the bytes they replace (spliceTo 0: not spliced). */
  spliceFrom = 0;
  spliceTo = 0;
  /** Bumped by every assignment and every attribute set by key (what a sizing may depend on). */
  version = 0;
  /**
   * The `version` the last sizing pass's result (`sizedN`, `changes`, the splice and the set
   * pairs' plan) holds for, -1: none (proto-traces.ts sizeWireSpan). The exporter queue sizes a
   * request when it takes it and again when it sends it: a changed span is sized once.
   */
  sizedAt = -1;
  sizedN = 0;
  /** The set pairs' values as sized: [AnyValue, kind, scalar] per pair (they can change in place). */
  sizedSets: unknown[] | undefined = undefined;
  _traceId: Uint8Array = EMPTY;
  _spanId: Uint8Array = EMPTY;
  _traceState = '';
  _parentSpanId: Uint8Array = EMPTY;
  _name = '';
  _kind = 0;
  _startTimeUnixNano = 0n;
  _endTimeUnixNano = 0n;
  _attributes: KeyValue[] = NONE;
  /** The attribute pairs as decoded (wire-item.ts), undefined until the list was decoded. */
  _attrOrigin: KvOrigin | undefined = undefined;
  /** Pairs set by key before the list was decoded (wire-item.ts). */
  _attrSets: KeyValue[] | undefined = undefined;
  _attrSetAt: number[] | undefined = undefined;
  _attrFrom = 0;
  _attrTo = 0;
  _droppedAttributesCount = 0;
  _events: SpanEvent[] = NONE;
  _droppedEventsCount = 0;
  _links: SpanLink[] = NONE;
  _droppedLinksCount = 0;
  _status: Status = STATUS_UNSET;
  /** The status as decoded. */
  _statusMessage = '';
  _statusCode = 0;
  _flags = 0;

  constructor(
    /** The list whose bytes hold this span. */
    readonly list: WireList<WireSpan>,
    /** The span message: list.src[start, end). */
    readonly start: number,
    readonly end: number,
    /** Its number in the list (for the field index). */
    readonly i: number,
  ) {}

  private load(fn: number): void {
    this.list.codec.load(this, fn);
    this.loaded |= 1 << fn;
  }
  private assign(fn: number): void {
    this.loaded |= 1 << fn;
    this.dirty |= 1 << fn;
    this.version++;
  }

  get traceId(): Uint8Array {
    if ((this.loaded & B1) === 0) this.load(1);
    return this._traceId;
  }
  set traceId(v: Uint8Array) {
    this._traceId = v;
    this.assign(1);
  }
  get spanId(): Uint8Array {
    if ((this.loaded & B2) === 0) this.load(2);
    return this._spanId;
  }
  set spanId(v: Uint8Array) {
    this._spanId = v;
    this.assign(2);
  }
  get traceState(): string {
    if ((this.loaded & B3) === 0) this.load(3);
    return this._traceState;
  }
  set traceState(v: string) {
    this._traceState = v;
    this.assign(3);
  }
  get parentSpanId(): Uint8Array {
    if ((this.loaded & B4) === 0) this.load(4);
    return this._parentSpanId;
  }
  set parentSpanId(v: Uint8Array) {
    this._parentSpanId = v;
    this.assign(4);
  }
  get name(): string {
    if ((this.loaded & B5) === 0) this.load(5);
    return this._name;
  }
  set name(v: string) {
    this._name = v;
    this.assign(5);
  }
  get kind(): number {
    if ((this.loaded & B6) === 0) this.load(6);
    return this._kind;
  }
  set kind(v: number) {
    this._kind = v;
    this.assign(6);
  }
  get startTimeUnixNano(): bigint {
    if ((this.loaded & B7) === 0) this.load(7);
    return this._startTimeUnixNano;
  }
  set startTimeUnixNano(v: bigint) {
    this._startTimeUnixNano = v;
    this.assign(7);
  }
  get endTimeUnixNano(): bigint {
    if ((this.loaded & B8) === 0) this.load(8);
    return this._endTimeUnixNano;
  }
  set endTimeUnixNano(v: bigint) {
    this._endTimeUnixNano = v;
    this.assign(8);
  }
  get attributes(): KeyValue[] {
    if ((this.loaded & B9) === 0) this.load(9);
    return this._attributes;
  }
  set attributes(v: KeyValue[]) {
    this._attributes = v;
    this.assign(9);
  }
  get droppedAttributesCount(): number {
    if ((this.loaded & B10) === 0) this.load(10);
    return this._droppedAttributesCount;
  }
  set droppedAttributesCount(v: number) {
    this._droppedAttributesCount = v;
    this.assign(10);
  }
  get events(): SpanEvent[] {
    if ((this.loaded & B11) === 0) this.load(11);
    return this._events;
  }
  set events(v: SpanEvent[]) {
    this._events = v;
    this.assign(11);
  }
  get droppedEventsCount(): number {
    if ((this.loaded & B12) === 0) this.load(12);
    return this._droppedEventsCount;
  }
  set droppedEventsCount(v: number) {
    this._droppedEventsCount = v;
    this.assign(12);
  }
  get links(): SpanLink[] {
    if ((this.loaded & B13) === 0) this.load(13);
    return this._links;
  }
  set links(v: SpanLink[]) {
    this._links = v;
    this.assign(13);
  }
  get droppedLinksCount(): number {
    if ((this.loaded & B14) === 0) this.load(14);
    return this._droppedLinksCount;
  }
  set droppedLinksCount(v: number) {
    this._droppedLinksCount = v;
    this.assign(14);
  }
  get status(): Status {
    if ((this.loaded & B15) === 0) this.load(15);
    return this._status;
  }
  set status(v: Status) {
    this._status = v;
    this.assign(15);
  }
  get flags(): number {
    if ((this.loaded & B16) === 0) this.load(16);
    return this._flags;
  }
  set flags(v: number) {
    this._flags = v;
    this.assign(16);
  }

  /** The value of the first attribute with `key`, without decoding the others (pdata/attributes.ts itemAttribute). */
  getAttribute(key: string): AnyValue | undefined {
    if ((this.loaded & B9) === 0) {
      const v = peekAttribute(this, this.list.attributesAt(this, 9), 9, key);
      if (v !== NEEDS_LIST) return v;
    }
    return getAttr(this.attributes, key);
  }

  /**
   * The value of the first attribute with `key` as a JS value when it is a string, bool, int or
   * double (pdata/attributes.ts itemAttributeValue), without decoding the others.
   */
  getAttributeValue(key: string): AttributeValue | undefined {
    if ((this.loaded & B9) === 0) {
      const v = peekAttributeValue(this, this.list.attributesAt(this, 9), 9, key);
      if (v !== NEEDS_LIST_VALUE) return v;
    }
    return getAttr(this.attributes, key);
  }

  /**
   * What the value of attribute `key` is, from the span's bytes, without decoding it (pdata/attributes.ts
   * itemAttributeShape; wire-item.ts attributeShape says the answers).
   */
  attributeShape(key: string, utf8: Uint8Array): number {
    if ((this.loaded & B9) !== 0) return SHAPE_UNKNOWN;
    // once the pairs are indexed, where the list starts is not needed
    return attributeShape(this, this._attrTo !== 0 ? 0 : this.list.attributesAt(this, 9), 9, key, utf8);
  }
  /** After attributeShape(key) gave 1 (a string): whether it is the UTF-8 bytes `b`. */
  attributeShapeStringIs(b: Uint8Array): boolean {
    return shapeStringIs(this, b);
  }
  /** After attributeShape(key) gave 3 or 4 (an int or a double): its value (undefined: an int past ±2^49). */
  attributeShapeNumber(kind: number): number | undefined {
    return shapeNumber(this, kind);
  }

  /** Sets the first attribute with `key` (or appends one), without decoding the others. */
  setAttribute(key: string, value: AnyValue): void {
    this.version++;
    if ((this.loaded & B9) === 0 && setAttributeAside(this, key, value)) return;
    setAttr(this.attributes, key, value);
  }

  /** The span as a plain object (JSON.stringify, debugging). */
  toJSON(): Span {
    return plainSpan(this);
  }
}

const STATUS_UNSET: Status = Object.freeze({ message: '', code: 0 }) as Status;

const B1 = 1 << 1;
const B2 = 1 << 2;
const B3 = 1 << 3;
const B4 = 1 << 4;
const B5 = 1 << 5;
const B6 = 1 << 6;
const B7 = 1 << 7;
const B8 = 1 << 8;
const B9 = 1 << 9;
const B10 = 1 << 10;
const B11 = 1 << 11;
const B12 = 1 << 12;
const B13 = 1 << 13;
const B14 = 1 << 14;
const B15 = 1 << 15;
const B16 = 1 << 16;

/** A span's fields as a plain object (the same values, not copies). */
export function plainSpan(s: Span): Span {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    traceState: s.traceState,
    parentSpanId: s.parentSpanId,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: s.attributes,
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events,
    droppedEventsCount: s.droppedEventsCount,
    links: s.links,
    droppedLinksCount: s.droppedLinksCount,
    status: s.status,
  };
}
