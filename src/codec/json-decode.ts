// OTLP/JSON → pdata. Accepts lowerCamelCase and the original snake_case keys, enum numbers or names,
// 64-bit integers as strings or numbers; unknown keys are ignored; wrong JSON types are errors.
import type {
  AnyValue,
  EntityRef,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  LogsData,
  Metric,
  MetricsData,
  NumberDataPoint,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  Status,
  SummaryDataPoint,
  TracesData,
  ValueAtQuantile,
} from '../pdata/types.js';
import { type DecodeBudget, defaultBudget, UNLIMITED_BUDGET } from './decode-budget.js';
import { COST } from './decode-cost.js';
import { jsonError } from './errors.js';
import {
  exactNumbers,
  fieldError,
  jsonDecode,
  jsonTreeCost,
  type Obj,
  quoteBigIntegers,
  readArray,
  readBase64,
  readBool,
  readDouble,
  readEnum,
  readHexId,
  readInt32,
  readInt64,
  readMessage,
  readString,
  readUint32,
  readUint64,
  typeName,
  UNSAFE_NUMBER,
} from './json-values.js';

const EMPTY: Uint8Array = new Uint8Array(0);

const SPAN_KIND: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const TEMPORALITY: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
const SEVERITY: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((lvl, i) => {
  SEVERITY[`SEVERITY_NUMBER_${lvl}`] = 4 * i + 1;
  for (let k = 2; k <= 4; k++) SEVERITY[`SEVERITY_NUMBER_${lvl}${k}`] = 4 * i + k;
});

/**
 * Bodies up to this size are charged JSON.parse's worst case (TREE_WORST_CASE times their
 * length: `[{},{},…]`, 3 bytes per empty object) instead of being scanned: the scan costs
 * about 10 % of a decode, and their worst case is small.
 */
const SCAN_FROM = 256 * 1024;
/** Bytes charged for the tree of the JSON decode in progress (given back once it is garbage). */
let treeCharged = 0;
const TREE_WORST_CASE = 24;

/**
 * What JSON.parse will build from `text`, charged to `budget` before it runs; returns the bytes
 * charged. Exported for decoders of other JSON formats (e.g. the zipkin receiver).
 */
export function chargeJsonTree(text: string | Uint8Array, budget: DecodeBudget): number {
  if (text.length < SCAN_FROM) {
    const bytes = TREE_WORST_CASE * text.length;
    budget.charge(bytes, 1);
    return bytes;
  }
  const tree = jsonTreeCost(text);
  budget.charge(tree.bytes, tree.values);
  return tree.bytes;
}

/**
 * Parses the request body (a string or UTF-8 bytes) into a JSON object. `budget`: charged with
 * what JSON.parse will build before it runs (see chargeTree).
 */
export function parseRoot(text: string | Uint8Array, quoteBig = false, budget?: DecodeBudget): Obj {
  if (budget !== undefined) treeCharged = chargeJsonTree(text, budget);
  const s =
    typeof text === 'string'
      ? text
      : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  let v: unknown;
  depth = 0; // a previous decode may have thrown half way
  let body = s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  if (quoteBig) body = quoteBigIntegers(body);
  try {
    v = JSON.parse(body);
  } catch (e) {
    throw jsonError(`invalid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw jsonError(`expected a JSON object, got ${typeName(v)}`);
  }
  return v as Obj;
}

/**
 * Parses and decodes with exact 64-bit integers. JSON.parse rounds integers
 * beyond 2^53; a 64-bit reader that meets one throws UNSAFE_NUMBER, and only
 * then is the body parsed again with such literals quoted (readers take
 * decimal strings), so the common path costs nothing extra.
 * `budget`: what the request may cost once decoded, JSON.parse's tree included
 * (decode-budget.ts); a fresh default one if not given.
 */
export function decodeExact<T>(
  text: string | Uint8Array,
  decode: (root: Obj) => T,
  budget: DecodeBudget = defaultBudget(),
): T {
  jsonDecode.budget = budget;
  try {
    let out: T;
    try {
      out = decode(parseRoot(text, false, budget));
    } catch (e) {
      if (e !== UNSAFE_NUMBER) throw e;
      budget.reset();
      exactNumbers.quoted = true;
      try {
        out = decode(parseRoot(text, true, budget));
      } finally {
        exactNumbers.quoted = false;
      }
    }
    // JSON.parse's tree is garbage now: what stays charged is the decoded request
    budget.bytes -= treeCharged;
    return out;
  } finally {
    jsonDecode.budget = UNLIMITED_BUDGET;
    treeCharged = 0;
  }
}

// ---------------------------------------------------------------- common

export function readAnyValue(o: Obj): AnyValue {
  let v: AnyValue = {};
  for (const k in o) {
    const x = o[k];
    // null is the member not being sent (protobuf JSON mapping): never a value nobody sent
    // (the C++ SDK sends NaN and infinities as "doubleValue": null)
    if (x === null) continue;
    switch (k) {
      case 'stringValue':
      case 'string_value':
        v = { stringValue: readString(x, 'stringValue') };
        break;
      case 'boolValue':
      case 'bool_value':
        v = { boolValue: readBool(x, 'boolValue') };
        break;
      case 'intValue':
      case 'int_value':
        v = { intValue: readInt64(x, 'intValue') };
        break;
      case 'doubleValue':
      case 'double_value':
        v = { doubleValue: readDouble(x, 'doubleValue') };
        break;
      case 'arrayValue':
      case 'array_value':
        jsonDecode.budget.charge(COST.anyList);
        v = { arrayValue: { values: readMessage(x, 'arrayValue', readAnyList) ?? [] } };
        break;
      case 'kvlistValue':
      case 'kvlist_value':
        jsonDecode.budget.charge(COST.anyList);
        v = { kvlistValue: { values: readMessage(x, 'kvlistValue', readKvList) ?? [] } };
        break;
      case 'bytesValue':
      case 'bytes_value':
        v = { bytesValue: readBase64(x, 'bytesValue') };
        break;
    }
  }
  return v;
}

/** Nesting of array/kvlist AnyValues (limited by the budget's maxDepth, as in the protobuf codec). */
let depth = 0;

function nested<T>(read: () => T): T {
  const max = jsonDecode.budget.maxDepth;
  if (++depth > max) throw jsonError(`AnyValue nested deeper than ${max} levels`);
  const v = read();
  depth--;
  return v;
}

function readAnyList(o: Obj): AnyValue[] {
  return nested(() => readArray(o.values, 'values', readAnyValue, COST.arrayElement));
}
function readKvList(o: Obj): KeyValue[] {
  return nested(() => readArray(o.values, 'values', readKeyValue, COST.keyValue));
}

export function readKeyValue(o: Obj): KeyValue {
  let key = '';
  let value: AnyValue | undefined;
  for (const k in o) {
    if (k === 'key') key = readString(o[k], 'key');
    else if (k === 'value') value = readMessage(o[k], 'value', readAnyValue);
  }
  return { key, value: value ?? {} };
}

function readAttrs(v: unknown, name: string): KeyValue[] {
  return readArray(v, name, readKeyValue, COST.keyValue);
}

/** A repeated scalar field's array: each element a slot (the values are charged by jsonTreeCost). */
function scalarArray(v: unknown[], cost: number): void {
  jsonDecode.budget.charge(v.length * cost, v.length);
}

function readStrings(v: unknown, name: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(name, `expected an array, got ${typeName(v)}`);
  scalarArray(v, COST.doubleElement);
  return v.map((x, i) => readString(x, `${name}[${i}]`));
}

function readEntityRef(o: Obj): EntityRef {
  const e: EntityRef = { schemaUrl: '', type: '', idKeys: [], descriptionKeys: [] };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'schemaUrl':
      case 'schema_url':
        e.schemaUrl = readString(x, 'schemaUrl');
        break;
      case 'type':
        e.type = readString(x, 'type');
        break;
      case 'idKeys':
      case 'id_keys':
        e.idKeys = readStrings(x, 'idKeys');
        break;
      case 'descriptionKeys':
      case 'description_keys':
        e.descriptionKeys = readStrings(x, 'descriptionKeys');
        break;
    }
  }
  return e;
}

function readResource(o: Obj): Resource {
  const r: Resource = { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'attributes':
        r.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        r.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
      case 'entityRefs':
      case 'entity_refs':
        r.entityRefs = readArray(x, 'entityRefs', readEntityRef, COST.entityRef);
        break;
    }
  }
  return r;
}

function readScope(o: Obj): InstrumentationScope {
  const s: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'name':
        s.name = readString(x, 'name');
        break;
      case 'version':
        s.version = readString(x, 'version');
        break;
      case 'attributes':
        s.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        s.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
    }
  }
  return s;
}

function newResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, entityRefs: [] };
}
function newScope(): InstrumentationScope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
}

/** A ResourceX / ScopeX container: head (resource or scope), items, schemaUrl. */
function readLevel<H, C>(
  o: Obj,
  headName: string,
  readHead: (o: Obj) => H,
  itemsCamel: string,
  itemsSnake: string,
  readItem: (o: Obj) => C,
  itemCost: number,
): { head: H | undefined; items: C[]; schemaUrl: string } {
  let head: H | undefined;
  let items: C[] = [];
  let schemaUrl = '';
  for (const k in o) {
    const x = o[k];
    if (k === headName) {
      jsonDecode.budget.charge(COST.resource);
      head = readMessage(x, headName, readHead);
    } else if (k === itemsCamel || k === itemsSnake) items = readArray(x, itemsCamel, readItem, itemCost);
    else if (k === 'schemaUrl' || k === 'schema_url') schemaUrl = readString(x, 'schemaUrl');
  }
  return { head, items, schemaUrl };
}

function readTop<C>(o: Obj, camel: string, snake: string, readItem: (o: Obj) => C): C[] {
  let items: C[] = [];
  for (const k in o)
    if (k === camel || k === snake) items = readArray(o[k], camel, readItem, COST.resourceLevel);
  return items;
}

// ---------------------------------------------------------------- traces

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeTracesJson(text: string | Uint8Array, budget?: DecodeBudget): TracesData {
  return decodeExact(
    text,
    (root) => ({
      resourceSpans: readTop(root, 'resourceSpans', 'resource_spans', readResourceSpans),
    }),
    budget,
  );
}

function readResourceSpans(o: Obj): ResourceSpans {
  const l = readLevel(
    o,
    'resource',
    readResource,
    'scopeSpans',
    'scope_spans',
    readScopeSpans,
    COST.scopeLevel,
  );
  return { resource: l.head ?? newResource(), scopeSpans: l.items, schemaUrl: l.schemaUrl };
}

function readScopeSpans(o: Obj): ScopeSpans {
  const l = readLevel(o, 'scope', readScope, 'spans', 'spans', readSpan, COST.span);
  return { scope: l.head ?? newScope(), spans: l.items, schemaUrl: l.schemaUrl };
}

function readSpan(o: Obj): Span {
  const s: Span = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'traceId':
      case 'trace_id':
        s.traceId = readHexId(x, 'traceId', 16);
        break;
      case 'spanId':
      case 'span_id':
        s.spanId = readHexId(x, 'spanId', 8);
        break;
      case 'traceState':
      case 'trace_state':
        s.traceState = readString(x, 'traceState');
        break;
      case 'parentSpanId':
      case 'parent_span_id':
        s.parentSpanId = readHexId(x, 'parentSpanId', 8);
        break;
      case 'flags':
        s.flags = readUint32(x, 'flags');
        break;
      case 'name':
        s.name = readString(x, 'name');
        break;
      case 'kind':
        s.kind = readEnum(x, 'kind', SPAN_KIND);
        break;
      case 'startTimeUnixNano':
      case 'start_time_unix_nano':
        s.startTimeUnixNano = readUint64(x, 'startTimeUnixNano');
        break;
      case 'endTimeUnixNano':
      case 'end_time_unix_nano':
        s.endTimeUnixNano = readUint64(x, 'endTimeUnixNano');
        break;
      case 'attributes':
        s.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        s.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
      case 'events':
        s.events = readArray(x, 'events', readEvent, COST.event);
        break;
      case 'droppedEventsCount':
      case 'dropped_events_count':
        s.droppedEventsCount = readUint32(x, 'droppedEventsCount');
        break;
      case 'links':
        s.links = readArray(x, 'links', readLink, COST.link);
        break;
      case 'droppedLinksCount':
      case 'dropped_links_count':
        s.droppedLinksCount = readUint32(x, 'droppedLinksCount');
        break;
      case 'status':
        s.status = readMessage(x, 'status', readStatus) ?? { message: '', code: 0 };
        break;
    }
  }
  return s;
}

function readEvent(o: Obj): SpanEvent {
  const e: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        e.timeUnixNano = readUint64(x, 'timeUnixNano');
        break;
      case 'name':
        e.name = readString(x, 'name');
        break;
      case 'attributes':
        e.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        e.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
    }
  }
  return e;
}

function readLink(o: Obj): SpanLink {
  const l: SpanLink = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'traceId':
      case 'trace_id':
        l.traceId = readHexId(x, 'traceId', 16);
        break;
      case 'spanId':
      case 'span_id':
        l.spanId = readHexId(x, 'spanId', 8);
        break;
      case 'traceState':
      case 'trace_state':
        l.traceState = readString(x, 'traceState');
        break;
      case 'attributes':
        l.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        l.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
      case 'flags':
        l.flags = readUint32(x, 'flags');
        break;
    }
  }
  return l;
}

function readStatus(o: Obj): Status {
  const s: Status = { message: '', code: 0 };
  for (const k in o) {
    if (k === 'message') s.message = readString(o[k], 'message');
    else if (k === 'code') s.code = readEnum(o[k], 'code', STATUS_CODE);
  }
  return s;
}

// ---------------------------------------------------------------- logs

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeLogsJson(text: string | Uint8Array, budget?: DecodeBudget): LogsData {
  return decodeExact(
    text,
    (root) => ({
      resourceLogs: readTop(root, 'resourceLogs', 'resource_logs', readResourceLogs),
    }),
    budget,
  );
}

function readResourceLogs(o: Obj): ResourceLogs {
  const l = readLevel(o, 'resource', readResource, 'scopeLogs', 'scope_logs', readScopeLogs, COST.scopeLevel);
  return { resource: l.head ?? newResource(), scopeLogs: l.items, schemaUrl: l.schemaUrl };
}

function readScopeLogs(o: Obj): ScopeLogs {
  const l = readLevel(o, 'scope', readScope, 'logRecords', 'log_records', readLogRecord, COST.logRecord);
  return { scope: l.head ?? newScope(), logRecords: l.items, schemaUrl: l.schemaUrl };
}

function readLogRecord(o: Obj): LogRecord {
  const r: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: {},
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY,
    spanId: EMPTY,
    eventName: '',
  };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'timeUnixNano':
      case 'time_unix_nano':
        r.timeUnixNano = readUint64(x, 'timeUnixNano');
        break;
      case 'observedTimeUnixNano':
      case 'observed_time_unix_nano':
        r.observedTimeUnixNano = readUint64(x, 'observedTimeUnixNano');
        break;
      case 'severityNumber':
      case 'severity_number':
        r.severityNumber = readEnum(x, 'severityNumber', SEVERITY);
        break;
      case 'severityText':
      case 'severity_text':
        r.severityText = readString(x, 'severityText');
        break;
      case 'body':
        r.body = readMessage(x, 'body', readAnyValue) ?? {};
        break;
      case 'attributes':
        r.attributes = readAttrs(x, 'attributes');
        break;
      case 'droppedAttributesCount':
      case 'dropped_attributes_count':
        r.droppedAttributesCount = readUint32(x, 'droppedAttributesCount');
        break;
      case 'flags':
        r.flags = readUint32(x, 'flags');
        break;
      case 'traceId':
      case 'trace_id':
        r.traceId = readHexId(x, 'traceId', 16);
        break;
      case 'spanId':
      case 'span_id':
        r.spanId = readHexId(x, 'spanId', 8);
        break;
      case 'eventName':
      case 'event_name':
        r.eventName = readString(x, 'eventName');
        break;
    }
  }
  return r;
}

// ---------------------------------------------------------------- metrics

/** `budget`: what the decoded request may cost (decode-budget.ts); a fresh default one if not given. */
export function decodeMetricsJson(text: string | Uint8Array, budget?: DecodeBudget): MetricsData {
  return decodeExact(
    text,
    (root) => ({
      resourceMetrics: readTop(root, 'resourceMetrics', 'resource_metrics', readResourceMetrics),
    }),
    budget,
  );
}

function readResourceMetrics(o: Obj): ResourceMetrics {
  const l = readLevel(
    o,
    'resource',
    readResource,
    'scopeMetrics',
    'scope_metrics',
    readScopeMetrics,
    COST.scopeLevel,
  );
  return { resource: l.head ?? newResource(), scopeMetrics: l.items, schemaUrl: l.schemaUrl };
}

function readScopeMetrics(o: Obj): ScopeMetrics {
  const l = readLevel(o, 'scope', readScope, 'metrics', 'metrics', readMetric, COST.metric);
  return { scope: l.head ?? newScope(), metrics: l.items, schemaUrl: l.schemaUrl };
}

type DataKind = 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';

function readMetric(o: Obj): Metric {
  const m: Metric = { name: '', description: '', unit: '', metadata: [] };
  let kind: DataKind | undefined;
  let data: unknown;
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'name':
        m.name = readString(x, 'name');
        break;
      case 'description':
        m.description = readString(x, 'description');
        break;
      case 'unit':
        m.unit = readString(x, 'unit');
        break;
      case 'metadata':
        m.metadata = readAttrs(x, 'metadata');
        break;
      case 'gauge':
        if (x !== null) [kind, data] = ['gauge', readMessage(x, 'gauge', readGauge)];
        break;
      case 'sum':
        if (x !== null) [kind, data] = ['sum', readMessage(x, 'sum', readSum)];
        break;
      case 'histogram':
        if (x !== null) [kind, data] = ['histogram', readMessage(x, 'histogram', readHistogram)];
        break;
      case 'exponentialHistogram':
      case 'exponential_histogram':
        if (x !== null)
          [kind, data] = ['exponentialHistogram', readMessage(x, 'exponentialHistogram', readExpHistogram)];
        break;
      case 'summary':
        if (x !== null) [kind, data] = ['summary', readMessage(x, 'summary', readSummary)];
        break;
    }
  }
  if (kind !== undefined) (m as any)[kind] = data;
  return m;
}

function dataPoints<T>(o: Obj, read: (o: Obj) => T, cost: number): T[] {
  const v = o.dataPoints !== undefined ? o.dataPoints : o.data_points;
  return readArray(v, 'dataPoints', read, cost);
}

function temporality(o: Obj): number {
  const v = o.aggregationTemporality !== undefined ? o.aggregationTemporality : o.aggregation_temporality;
  return v === undefined ? 0 : readEnum(v, 'aggregationTemporality', TEMPORALITY);
}

function readGauge(o: Obj) {
  return { dataPoints: dataPoints(o, readNumberDataPoint, COST.numberPoint) };
}

function readSum(o: Obj) {
  const mono = o.isMonotonic !== undefined ? o.isMonotonic : o.is_monotonic;
  return {
    dataPoints: dataPoints(o, readNumberDataPoint, COST.numberPoint),
    aggregationTemporality: temporality(o),
    isMonotonic: mono === undefined ? false : readBool(mono, 'isMonotonic'),
  };
}

function readHistogram(o: Obj) {
  return {
    dataPoints: dataPoints(o, readHistogramDataPoint, COST.histogramPoint),
    aggregationTemporality: temporality(o),
  };
}

function readExpHistogram(o: Obj) {
  return {
    dataPoints: dataPoints(o, readExpDataPoint, COST.expHistogramPoint),
    aggregationTemporality: temporality(o),
  };
}

function readSummary(o: Obj) {
  return { dataPoints: dataPoints(o, readSummaryDataPoint, COST.summaryPoint) };
}

function readUint64s(v: unknown, name: string): bigint[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(name, `expected an array, got ${typeName(v)}`);
  scalarArray(v, COST.bigintElement);
  return v.map((x, i) => readUint64(x, `${name}[${i}]`));
}

function readDoubles(v: unknown, name: string): number[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw fieldError(name, `expected an array, got ${typeName(v)}`);
  scalarArray(v, COST.doubleElement);
  return v.map((x, i) => readDouble(x, `${name}[${i}]`));
}

/** Fields every data point kind shares; returns true if `k` was one of them. */
function commonPointField(
  p: { startTimeUnixNano: bigint; timeUnixNano: bigint; flags: number },
  k: string,
  x: unknown,
): boolean {
  switch (k) {
    case 'startTimeUnixNano':
    case 'start_time_unix_nano':
      p.startTimeUnixNano = readUint64(x, 'startTimeUnixNano');
      return true;
    case 'timeUnixNano':
    case 'time_unix_nano':
      p.timeUnixNano = readUint64(x, 'timeUnixNano');
      return true;
    case 'flags':
      p.flags = readUint32(x, 'flags');
      return true;
    default:
      return false;
  }
}

function readNumberDataPoint(o: Obj): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    exemplars: [],
    flags: 0,
  };
  for (const k in o) {
    const x = o[k];
    if (commonPointField(p, k, x)) continue;
    switch (k) {
      case 'attributes':
        p.attributes = readAttrs(x, 'attributes');
        break;
      case 'asDouble':
      case 'as_double':
        if (x === null) break;
        p.asDouble = readDouble(x, 'asDouble');
        delete p.asInt;
        break;
      case 'asInt':
      case 'as_int':
        if (x === null) break;
        p.asInt = readInt64(x, 'asInt');
        delete p.asDouble;
        break;
      case 'exemplars':
        p.exemplars = readArray(x, 'exemplars', readExemplar, COST.exemplar);
        break;
    }
  }
  return p;
}

function readHistogramDataPoint(o: Obj): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
  };
  for (const k in o) {
    const x = o[k];
    if (commonPointField(p, k, x)) continue;
    switch (k) {
      case 'attributes':
        p.attributes = readAttrs(x, 'attributes');
        break;
      case 'count':
        p.count = readUint64(x, 'count');
        break;
      case 'sum':
        if (x !== null) p.sum = readDouble(x, 'sum');
        break;
      case 'bucketCounts':
      case 'bucket_counts':
        p.bucketCounts = readUint64s(x, 'bucketCounts');
        break;
      case 'explicitBounds':
      case 'explicit_bounds':
        p.explicitBounds = readDoubles(x, 'explicitBounds');
        break;
      case 'exemplars':
        p.exemplars = readArray(x, 'exemplars', readExemplar, COST.exemplar);
        break;
      case 'min':
        if (x !== null) p.min = readDouble(x, 'min');
        break;
      case 'max':
        if (x !== null) p.max = readDouble(x, 'max');
        break;
    }
  }
  return p;
}

function readBuckets(o: Obj): ExponentialHistogramBuckets {
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  for (const k in o) {
    const x = o[k];
    if (k === 'offset') b.offset = readInt32(x, 'offset');
    else if (k === 'bucketCounts' || k === 'bucket_counts') b.bucketCounts = readUint64s(x, 'bucketCounts');
  }
  return b;
}

function readExpDataPoint(o: Obj): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    scale: 0,
    zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
  for (const k in o) {
    const x = o[k];
    if (commonPointField(p, k, x)) continue;
    switch (k) {
      case 'attributes':
        p.attributes = readAttrs(x, 'attributes');
        break;
      case 'count':
        p.count = readUint64(x, 'count');
        break;
      case 'sum':
        if (x !== null) p.sum = readDouble(x, 'sum');
        break;
      case 'scale':
        p.scale = readInt32(x, 'scale');
        break;
      case 'zeroCount':
      case 'zero_count':
        p.zeroCount = readUint64(x, 'zeroCount');
        break;
      case 'positive':
        p.positive = readMessage(x, 'positive', readBuckets) ?? p.positive;
        break;
      case 'negative':
        p.negative = readMessage(x, 'negative', readBuckets) ?? p.negative;
        break;
      case 'exemplars':
        p.exemplars = readArray(x, 'exemplars', readExemplar, COST.exemplar);
        break;
      case 'min':
        if (x !== null) p.min = readDouble(x, 'min');
        break;
      case 'max':
        if (x !== null) p.max = readDouble(x, 'max');
        break;
      case 'zeroThreshold':
      case 'zero_threshold':
        p.zeroThreshold = readDouble(x, 'zeroThreshold');
        break;
    }
  }
  return p;
}

function readQuantile(o: Obj): ValueAtQuantile {
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  for (const k in o) {
    if (k === 'quantile') q.quantile = readDouble(o[k], 'quantile');
    else if (k === 'value') q.value = readDouble(o[k], 'value');
  }
  return q;
}

function readSummaryDataPoint(o: Obj): SummaryDataPoint {
  const p: SummaryDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  for (const k in o) {
    const x = o[k];
    if (commonPointField(p, k, x)) continue;
    switch (k) {
      case 'attributes':
        p.attributes = readAttrs(x, 'attributes');
        break;
      case 'count':
        p.count = readUint64(x, 'count');
        break;
      case 'sum':
        p.sum = readDouble(x, 'sum');
        break;
      case 'quantileValues':
      case 'quantile_values':
        p.quantileValues = readArray(x, 'quantileValues', readQuantile, COST.quantile);
        break;
    }
  }
  return p;
}

function readExemplar(o: Obj): Exemplar {
  const e: Exemplar = { filteredAttributes: [], timeUnixNano: 0n, spanId: EMPTY, traceId: EMPTY };
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'filteredAttributes':
      case 'filtered_attributes':
        e.filteredAttributes = readAttrs(x, 'filteredAttributes');
        break;
      case 'timeUnixNano':
      case 'time_unix_nano':
        e.timeUnixNano = readUint64(x, 'timeUnixNano');
        break;
      case 'asDouble':
      case 'as_double':
        if (x === null) break;
        e.asDouble = readDouble(x, 'asDouble');
        delete e.asInt;
        break;
      case 'asInt':
      case 'as_int':
        if (x === null) break;
        e.asInt = readInt64(x, 'asInt');
        delete e.asDouble;
        break;
      case 'spanId':
      case 'span_id':
        e.spanId = readHexId(x, 'spanId', 8);
        break;
      case 'traceId':
      case 'trace_id':
        e.traceId = readHexId(x, 'traceId', 16);
        break;
    }
  }
  return e;
}
