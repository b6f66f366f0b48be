// pdata → OTLP/JSON text, written directly as a string (no intermediate objects): lowerCamelCase
// keys, hex IDs, enums as integers, 64-bit integers as decimal strings, default values omitted.
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
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
  TracesData,
} from '../pdata/types.js';
import { base64, hex, jsonDouble, q } from './json-values.js';

/** `{` + fields + `}` where fields is a list of `,"k":v` (so the first comma is dropped). */
function obj(fields: string): string {
  return fields === '' ? '{}' : `{${fields.slice(1)}}`;
}

function list<T>(items: T[], write: (x: T) => string): string {
  let s = '';
  for (let i = 0; i < items.length; i++) s += i === 0 ? write(items[i]) : `,${write(items[i])}`;
  return `[${s}]`;
}

/** `,"name":[...]` or nothing for an empty list (a default). */
function listField<T>(name: string, items: T[], write: (x: T) => string): string {
  return items.length === 0 ? '' : `,"${name}":${list(items, write)}`;
}

function strField(name: string, v: string): string {
  return v === '' ? '' : `,"${name}":${q(v)}`;
}
function numField(name: string, v: number): string {
  return v === 0 ? '' : `,"${name}":${v}`;
}
function u64Field(name: string, v: bigint): string {
  return v === 0n ? '' : `,"${name}":"${v}"`;
}
function idField(name: string, v: Uint8Array): string {
  return v.length === 0 ? '' : `,"${name}":"${hex(v)}"`;
}
/** proto3 omits a double whose bits are zero (so -0 is still written). */
function dblField(name: string, v: number): string {
  return v === 0 && 1 / v > 0 ? '' : `,"${name}":${jsonDouble(v)}`;
}
function optDblField(name: string, v: number | undefined): string {
  return v === undefined ? '' : `,"${name}":${jsonDouble(v)}`;
}

export function anyValueJson(v: AnyValue): string {
  const a = v as any;
  if (a.stringValue !== undefined) return `{"stringValue":${q(a.stringValue)}}`;
  if (a.intValue !== undefined) return `{"intValue":"${a.intValue}"}`;
  if (a.boolValue !== undefined) return a.boolValue ? '{"boolValue":true}' : '{"boolValue":false}';
  if (a.doubleValue !== undefined) return `{"doubleValue":${jsonDouble(a.doubleValue)}}`;
  if (a.arrayValue !== undefined)
    return `{"arrayValue":${obj(listField('values', a.arrayValue.values, anyValueJson))}}`;
  if (a.kvlistValue !== undefined)
    return `{"kvlistValue":${obj(listField('values', a.kvlistValue.values, keyValueJson))}}`;
  if (a.bytesValue !== undefined) return `{"bytesValue":"${base64(a.bytesValue)}"}`;
  return '{}';
}

export function keyValueJson(kv: KeyValue): string {
  const key = kv.key === '' ? '' : `"key":${q(kv.key)}`;
  const value = anyValueJson(kv.value);
  if (value === '{}') return `{${key}}`; // an unset AnyValue is a default: omitted
  return key === '' ? `{"value":${value}}` : `{${key},"value":${value}}`;
}

function attrsField(name: string, attrs: KeyValue[]): string {
  return listField(name, attrs, keyValueJson);
}

function entityRefJson(e: EntityRef): string {
  return obj(
    strField('schemaUrl', e.schemaUrl) +
      strField('type', e.type) +
      listField('idKeys', e.idKeys, q) +
      listField('descriptionKeys', e.descriptionKeys, q),
  );
}

function resourceField(r: Resource): string {
  const f =
    attrsField('attributes', r.attributes) +
    numField('droppedAttributesCount', r.droppedAttributesCount) +
    listField('entityRefs', r.entityRefs, entityRefJson);
  return f === '' ? '' : `,"resource":{${f.slice(1)}}`;
}

function scopeField(s: InstrumentationScope): string {
  const f =
    strField('name', s.name) +
    strField('version', s.version) +
    attrsField('attributes', s.attributes) +
    numField('droppedAttributesCount', s.droppedAttributesCount);
  return f === '' ? '' : `,"scope":{${f.slice(1)}}`;
}

// ---------------------------------------------------------------- traces

export function encodeTracesJson(d: TracesData): string {
  return obj(
    listField('resourceSpans', d.resourceSpans, (rs) =>
      obj(
        resourceField(rs.resource) +
          listField('scopeSpans', rs.scopeSpans, (ss) =>
            obj(
              scopeField(ss.scope) +
                listField('spans', ss.spans, spanJson) +
                strField('schemaUrl', ss.schemaUrl),
            ),
          ) +
          strField('schemaUrl', rs.schemaUrl),
      ),
    ),
  );
}

function spanJson(s: Span): string {
  let f =
    idField('traceId', s.traceId) +
    idField('spanId', s.spanId) +
    strField('traceState', s.traceState) +
    idField('parentSpanId', s.parentSpanId) +
    numField('flags', s.flags) +
    strField('name', s.name) +
    numField('kind', s.kind) +
    u64Field('startTimeUnixNano', s.startTimeUnixNano) +
    u64Field('endTimeUnixNano', s.endTimeUnixNano) +
    attrsField('attributes', s.attributes) +
    numField('droppedAttributesCount', s.droppedAttributesCount) +
    listField('events', s.events, eventJson) +
    numField('droppedEventsCount', s.droppedEventsCount) +
    listField('links', s.links, linkJson) +
    numField('droppedLinksCount', s.droppedLinksCount);
  const st = strField('message', s.status.message) + numField('code', s.status.code);
  if (st !== '') f += `,"status":{${st.slice(1)}}`;
  return obj(f);
}

function eventJson(e: SpanEvent): string {
  return obj(
    u64Field('timeUnixNano', e.timeUnixNano) +
      strField('name', e.name) +
      attrsField('attributes', e.attributes) +
      numField('droppedAttributesCount', e.droppedAttributesCount),
  );
}

function linkJson(l: SpanLink): string {
  return obj(
    idField('traceId', l.traceId) +
      idField('spanId', l.spanId) +
      strField('traceState', l.traceState) +
      attrsField('attributes', l.attributes) +
      numField('droppedAttributesCount', l.droppedAttributesCount) +
      numField('flags', l.flags),
  );
}

// ---------------------------------------------------------------- logs

export function encodeLogsJson(d: LogsData): string {
  return obj(
    listField('resourceLogs', d.resourceLogs, (rl) =>
      obj(
        resourceField(rl.resource) +
          listField('scopeLogs', rl.scopeLogs, (sl) =>
            obj(
              scopeField(sl.scope) +
                listField('logRecords', sl.logRecords, logRecordJson) +
                strField('schemaUrl', sl.schemaUrl),
            ),
          ) +
          strField('schemaUrl', rl.schemaUrl),
      ),
    ),
  );
}

function logRecordJson(l: LogRecord): string {
  return obj(
    u64Field('timeUnixNano', l.timeUnixNano) +
      u64Field('observedTimeUnixNano', l.observedTimeUnixNano) +
      numField('severityNumber', l.severityNumber) +
      strField('severityText', l.severityText) +
      bodyField(l.body) +
      attrsField('attributes', l.attributes) +
      numField('droppedAttributesCount', l.droppedAttributesCount) +
      numField('flags', l.flags) +
      idField('traceId', l.traceId) +
      idField('spanId', l.spanId) +
      strField('eventName', l.eventName),
  );
}

function bodyField(v: AnyValue): string {
  const s = anyValueJson(v);
  return s === '{}' ? '' : `,"body":${s}`;
}

// ---------------------------------------------------------------- metrics

export function encodeMetricsJson(d: MetricsData): string {
  return obj(
    listField('resourceMetrics', d.resourceMetrics, (rm) =>
      obj(
        resourceField(rm.resource) +
          listField('scopeMetrics', rm.scopeMetrics, (sm) =>
            obj(
              scopeField(sm.scope) +
                listField('metrics', sm.metrics, metricJson) +
                strField('schemaUrl', sm.schemaUrl),
            ),
          ) +
          strField('schemaUrl', rm.schemaUrl),
      ),
    ),
  );
}

function metricJson(m: Metric): string {
  let data = '';
  if (m.gauge !== undefined)
    data = `,"gauge":${obj(listField('dataPoints', m.gauge.dataPoints, numberPointJson))}`;
  else if (m.sum !== undefined)
    data = `,"sum":${obj(
      listField('dataPoints', m.sum.dataPoints, numberPointJson) +
        numField('aggregationTemporality', m.sum.aggregationTemporality) +
        (m.sum.isMonotonic ? ',"isMonotonic":true' : ''),
    )}`;
  else if (m.histogram !== undefined)
    data = `,"histogram":${obj(
      listField('dataPoints', m.histogram.dataPoints, histogramPointJson) +
        numField('aggregationTemporality', m.histogram.aggregationTemporality),
    )}`;
  else if (m.exponentialHistogram !== undefined)
    data = `,"exponentialHistogram":${obj(
      listField('dataPoints', m.exponentialHistogram.dataPoints, expPointJson) +
        numField('aggregationTemporality', m.exponentialHistogram.aggregationTemporality),
    )}`;
  else if (m.summary !== undefined)
    data = `,"summary":${obj(listField('dataPoints', m.summary.dataPoints, summaryPointJson))}`;
  return obj(
    strField('name', m.name) +
      strField('description', m.description) +
      strField('unit', m.unit) +
      data +
      attrsField('metadata', m.metadata),
  );
}

function u64s(v: bigint[]): string {
  let s = '';
  for (let i = 0; i < v.length; i++) s += i === 0 ? `"${v[i]}"` : `,"${v[i]}"`;
  return `[${s}]`;
}

function numberPointJson(p: NumberDataPoint): string {
  return obj(
    attrsField('attributes', p.attributes) +
      u64Field('startTimeUnixNano', p.startTimeUnixNano) +
      u64Field('timeUnixNano', p.timeUnixNano) +
      (p.asDouble !== undefined
        ? `,"asDouble":${jsonDouble(p.asDouble)}`
        : p.asInt !== undefined
          ? `,"asInt":"${p.asInt}"`
          : '') +
      listField('exemplars', p.exemplars, exemplarJson) +
      numField('flags', p.flags),
  );
}

function histogramPointJson(p: HistogramDataPoint): string {
  return obj(
    attrsField('attributes', p.attributes) +
      u64Field('startTimeUnixNano', p.startTimeUnixNano) +
      u64Field('timeUnixNano', p.timeUnixNano) +
      u64Field('count', p.count) +
      optDblField('sum', p.sum) +
      (p.bucketCounts.length === 0 ? '' : `,"bucketCounts":${u64s(p.bucketCounts)}`) +
      listField('explicitBounds', p.explicitBounds, jsonDouble) +
      listField('exemplars', p.exemplars, exemplarJson) +
      numField('flags', p.flags) +
      optDblField('min', p.min) +
      optDblField('max', p.max),
  );
}

function bucketsField(name: string, b: ExponentialHistogramBuckets): string {
  const f =
    numField('offset', b.offset) +
    (b.bucketCounts.length === 0 ? '' : `,"bucketCounts":${u64s(b.bucketCounts)}`);
  return f === '' ? '' : `,"${name}":{${f.slice(1)}}`;
}

function expPointJson(p: ExponentialHistogramDataPoint): string {
  return obj(
    attrsField('attributes', p.attributes) +
      u64Field('startTimeUnixNano', p.startTimeUnixNano) +
      u64Field('timeUnixNano', p.timeUnixNano) +
      u64Field('count', p.count) +
      optDblField('sum', p.sum) +
      numField('scale', p.scale) +
      u64Field('zeroCount', p.zeroCount) +
      bucketsField('positive', p.positive) +
      bucketsField('negative', p.negative) +
      numField('flags', p.flags) +
      listField('exemplars', p.exemplars, exemplarJson) +
      optDblField('min', p.min) +
      optDblField('max', p.max) +
      dblField('zeroThreshold', p.zeroThreshold),
  );
}

function summaryPointJson(p: SummaryDataPoint): string {
  return obj(
    attrsField('attributes', p.attributes) +
      u64Field('startTimeUnixNano', p.startTimeUnixNano) +
      u64Field('timeUnixNano', p.timeUnixNano) +
      u64Field('count', p.count) +
      dblField('sum', p.sum) +
      listField('quantileValues', p.quantileValues, (qv) =>
        obj(dblField('quantile', qv.quantile) + dblField('value', qv.value)),
      ) +
      numField('flags', p.flags),
  );
}

function exemplarJson(e: Exemplar): string {
  return obj(
    attrsField('filteredAttributes', e.filteredAttributes) +
      u64Field('timeUnixNano', e.timeUnixNano) +
      (e.asDouble !== undefined
        ? `,"asDouble":${jsonDouble(e.asDouble)}`
        : e.asInt !== undefined
          ? `,"asInt":"${e.asInt}"`
          : '') +
      idField('spanId', e.spanId) +
      idField('traceId', e.traceId),
  );
}
