// A log record that stays protobuf until read, field by field (wire-item.ts
// says how changes are found; wire-span.ts how such an item behaves).

import { getAttr, setAttr } from '../pdata/attributes.js';
import type { AnyValue, KeyValue, LogRecord } from '../pdata/types.js';
import { type KvOrigin, NEEDS_LIST, peekAttribute, setAttributeAside, type WireList } from './wire-item.js';

const EMPTY = new Uint8Array(0);
/** Placeholder of a field not decoded yet (never handed out: reading decodes first). */
const NONE: never[] = Object.freeze([]) as unknown as never[];
const UNSET: AnyValue = Object.freeze({}) as AnyValue;

export class WireLogRecord implements LogRecord {
  /** Fields read or assigned (bit 1 << field number). */
  loaded = 0;
  /** Fields assigned. */
  dirty = 0;
  /** The changed fields found by the last sizing pass (the write pass reuses it). */
  changes = 0;
  /** When only the attributes changed: the bytes they replace (spliceTo 0: not spliced). */
  spliceFrom = 0;
  spliceTo = 0;
  _timeUnixNano = 0n;
  _severityNumber = 0;
  _severityText = '';
  _body: AnyValue = UNSET;
  /** The body's kind and scalar as decoded (wire-item.ts anyUnchanged). */
  _bodyKind = 0;
  _bodyScalar: unknown = undefined;
  _attributes: KeyValue[] = NONE;
  /** The attribute pairs as decoded (wire-item.ts), undefined until the list was decoded. */
  _attrOrigin: KvOrigin | undefined = undefined;
  /** Pairs set by key before the list was decoded (wire-item.ts). */
  _attrSets: KeyValue[] | undefined = undefined;
  _attrSetAt: number[] | undefined = undefined;
  _attrFrom = 0;
  _attrTo = 0;
  _droppedAttributesCount = 0;
  _flags = 0;
  _traceId: Uint8Array = EMPTY;
  _spanId: Uint8Array = EMPTY;
  _observedTimeUnixNano = 0n;
  _eventName = '';

  constructor(
    /** The list whose bytes hold this record. */
    readonly list: WireList<WireLogRecord>,
    /** The record's message: list.src[start, end). */
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
  }

  get timeUnixNano(): bigint {
    if ((this.loaded & B1) === 0) this.load(1);
    return this._timeUnixNano;
  }
  set timeUnixNano(v: bigint) {
    this._timeUnixNano = v;
    this.assign(1);
  }
  get severityNumber(): number {
    if ((this.loaded & B2) === 0) this.load(2);
    return this._severityNumber;
  }
  set severityNumber(v: number) {
    this._severityNumber = v;
    this.assign(2);
  }
  get severityText(): string {
    if ((this.loaded & B3) === 0) this.load(3);
    return this._severityText;
  }
  set severityText(v: string) {
    this._severityText = v;
    this.assign(3);
  }
  get body(): AnyValue {
    if ((this.loaded & B5) === 0) this.load(5);
    return this._body;
  }
  set body(v: AnyValue) {
    this._body = v;
    this.assign(5);
  }
  get attributes(): KeyValue[] {
    if ((this.loaded & B6) === 0) this.load(6);
    return this._attributes;
  }
  set attributes(v: KeyValue[]) {
    this._attributes = v;
    this.assign(6);
  }
  get droppedAttributesCount(): number {
    if ((this.loaded & B7) === 0) this.load(7);
    return this._droppedAttributesCount;
  }
  set droppedAttributesCount(v: number) {
    this._droppedAttributesCount = v;
    this.assign(7);
  }
  get flags(): number {
    if ((this.loaded & B8) === 0) this.load(8);
    return this._flags;
  }
  set flags(v: number) {
    this._flags = v;
    this.assign(8);
  }
  get traceId(): Uint8Array {
    if ((this.loaded & B9) === 0) this.load(9);
    return this._traceId;
  }
  set traceId(v: Uint8Array) {
    this._traceId = v;
    this.assign(9);
  }
  get spanId(): Uint8Array {
    if ((this.loaded & B10) === 0) this.load(10);
    return this._spanId;
  }
  set spanId(v: Uint8Array) {
    this._spanId = v;
    this.assign(10);
  }
  get observedTimeUnixNano(): bigint {
    if ((this.loaded & B11) === 0) this.load(11);
    return this._observedTimeUnixNano;
  }
  set observedTimeUnixNano(v: bigint) {
    this._observedTimeUnixNano = v;
    this.assign(11);
  }
  get eventName(): string {
    if ((this.loaded & B12) === 0) this.load(12);
    return this._eventName;
  }
  set eventName(v: string) {
    this._eventName = v;
    this.assign(12);
  }

  /** The value of the first attribute with `key`, without decoding the others (pdata/attributes.ts itemAttribute). */
  getAttribute(key: string): AnyValue | undefined {
    if ((this.loaded & B6) === 0) {
      const v = peekAttribute(this, this.list.attributesAt(this, 6), 6, key);
      if (v !== NEEDS_LIST) return v;
    }
    return getAttr(this.attributes, key);
  }

  /** Sets the first attribute with `key` (or appends one), without decoding the others. */
  setAttribute(key: string, value: AnyValue): void {
    if ((this.loaded & B6) === 0 && setAttributeAside(this, key, value)) return;
    setAttr(this.attributes, key, value);
  }

  /** The record as a plain object (JSON.stringify, debugging). */
  toJSON(): LogRecord {
    return plainLogRecord(this);
  }
}

const B1 = 1 << 1;
const B2 = 1 << 2;
const B3 = 1 << 3;
const B5 = 1 << 5;
const B6 = 1 << 6;
const B7 = 1 << 7;
const B8 = 1 << 8;
const B9 = 1 << 9;
const B10 = 1 << 10;
const B11 = 1 << 11;
const B12 = 1 << 12;

/** A log record's fields as a plain object (the same values, not copies). */
export function plainLogRecord(l: LogRecord): LogRecord {
  return {
    timeUnixNano: l.timeUnixNano,
    observedTimeUnixNano: l.observedTimeUnixNano,
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: l.body,
    attributes: l.attributes,
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
    traceId: l.traceId,
    spanId: l.spanId,
    eventName: l.eventName,
  };
}
