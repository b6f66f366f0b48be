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
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
  TracesData,
  ValueAtQuantile,
} from '../pdata/types.js';
import { base64, hex, jsonDouble, q } from './json-values.js';

// Objects are built by appending fields to a string that starts as '{' (so no field list is ever
// sliced: slicing a rope flattens it, which made every nesting level copy its whole content).

/** Appends `"name":json` to the object under construction `o`. */
function f(o: string, name: string, json: string): string {
  return `${o}${o.length === 1 ? '"' : ',"'}${name}":${json}`;
}

function list<T>(items: T[], write: (x: T) => string): string {
  let s = '[';
  for (let i = 0; i < items.length; i++) s += i === 0 ? write(items[i]) : `,${write(items[i])}`;
  return `${s}]`;
}

/** A repeated field, omitted when empty (a default). */
function listF<T>(o: string, name: string, items: T[], write: (x: T) => string): string {
  return items.length === 0 ? o : f(o, name, list(items, write));
}
function strF(o: string, name: string, v: string): string {
  return v === '' ? o : f(o, name, q(v));
}
function numF(o: string, name: string, v: number): string {
  return v === 0 ? o : f(o, name, `${v}`);
}
function u64F(o: string, name: string, v: bigint): string {
  return v === 0n ? o : f(o, name, `"${v}"`);
}
function idF(o: string, name: string, v: Uint8Array): string {
  return v.length === 0 ? o : f(o, name, `"${hex(v)}"`);
}
/** proto3 omits a double whose bits are zero (so -0 is still written). */
function dblF(o: string, name: string, v: number): string {
  return v === 0 && 1 / v > 0 ? o : f(o, name, jsonDouble(v));
}
function optDblF(o: string, name: string, v: number | undefined): string {
  return v === undefined ? o : f(o, name, jsonDouble(v));
}
/** A message field, omitted when the message is empty (`{}`). */
function msgF(o: string, name: string, json: string): string {
  return json === '{}' ? o : f(o, name, json);
}

export function anyValueJson(v: AnyValue): string {
  const a = v as any;
  if (a.stringValue !== undefined) return `{"stringValue":${q(a.stringValue)}}`;
  if (a.intValue !== undefined) return `{"intValue":"${a.intValue}"}`;
  if (a.boolValue !== undefined) return a.boolValue ? '{"boolValue":true}' : '{"boolValue":false}';
  if (a.doubleValue !== undefined) return `{"doubleValue":${jsonDouble(a.doubleValue)}}`;
  if (a.arrayValue !== undefined)
    return `{"arrayValue":${listF('{', 'values', a.arrayValue.values, anyValueJson)}}}`;
  if (a.kvlistValue !== undefined)
    return `{"kvlistValue":${listF('{', 'values', a.kvlistValue.values, keyValueJson)}}}`;
  if (a.bytesValue !== undefined) return `{"bytesValue":"${base64(a.bytesValue)}"}`;
  return '{}';
}

export function keyValueJson(kv: KeyValue): string {
  const key = kv.key === '' ? '' : `"key":${q(kv.key)}`;
  const value = anyValueJson(kv.value);
  if (value === '{}') return `{${key}}`; // an unset AnyValue is a default: omitted
  return key === '' ? `{"value":${value}}` : `{${key},"value":${value}}`;
}

function attrsF(o: string, name: string, attrs: KeyValue[]): string {
  return listF(o, name, attrs, keyValueJson);
}

function entityRefJson(e: EntityRef): string {
  let o = strF('{', 'schemaUrl', e.schemaUrl);
  o = strF(o, 'type', e.type);
  o = listF(o, 'idKeys', e.idKeys, q);
  return `${listF(o, 'descriptionKeys', e.descriptionKeys, q)}}`;
}

function resourceJson(r: Resource): string {
  let o = attrsF('{', 'attributes', r.attributes);
  o = numF(o, 'droppedAttributesCount', r.droppedAttributesCount);
  return `${listF(o, 'entityRefs', r.entityRefs, entityRefJson)}}`;
}

function scopeJson(s: InstrumentationScope): string {
  let o = strF('{', 'name', s.name);
  o = strF(o, 'version', s.version);
  o = attrsF(o, 'attributes', s.attributes);
  return `${numF(o, 'droppedAttributesCount', s.droppedAttributesCount)}}`;
}

/** ResourceX / ScopeX containers: head message, items, schemaUrl. */
function level<T>(
  head: string,
  headJson: string,
  itemsName: string,
  items: T[],
  write: (x: T) => string,
  schemaUrl: string,
): string {
  let o = msgF('{', head, headJson);
  o = listF(o, itemsName, items, write);
  return `${strF(o, 'schemaUrl', schemaUrl)}}`;
}

// ---------------------------------------------------------------- traces

export function encodeTracesJson(d: TracesData): string {
  return `${listF('{', 'resourceSpans', d.resourceSpans, (rs) =>
    level('resource', resourceJson(rs.resource), 'scopeSpans', rs.scopeSpans, scopeSpansJson, rs.schemaUrl),
  )}}`;
}

function scopeSpansJson(ss: ScopeSpans): string {
  return level('scope', scopeJson(ss.scope), 'spans', ss.spans, spanJson, ss.schemaUrl);
}

function spanJson(s: Span): string {
  let o = idF('{', 'traceId', s.traceId);
  o = idF(o, 'spanId', s.spanId);
  o = strF(o, 'traceState', s.traceState);
  o = idF(o, 'parentSpanId', s.parentSpanId);
  o = numF(o, 'flags', s.flags);
  o = strF(o, 'name', s.name);
  o = numF(o, 'kind', s.kind);
  o = u64F(o, 'startTimeUnixNano', s.startTimeUnixNano);
  o = u64F(o, 'endTimeUnixNano', s.endTimeUnixNano);
  o = attrsF(o, 'attributes', s.attributes);
  o = numF(o, 'droppedAttributesCount', s.droppedAttributesCount);
  o = listF(o, 'events', s.events, eventJson);
  o = numF(o, 'droppedEventsCount', s.droppedEventsCount);
  o = listF(o, 'links', s.links, linkJson);
  o = numF(o, 'droppedLinksCount', s.droppedLinksCount);
  if (s.status.code !== 0 || s.status.message !== '') {
    o = f(o, 'status', `${numF(strF('{', 'message', s.status.message), 'code', s.status.code)}}`);
  }
  return `${o}}`;
}

function eventJson(e: SpanEvent): string {
  let o = u64F('{', 'timeUnixNano', e.timeUnixNano);
  o = strF(o, 'name', e.name);
  o = attrsF(o, 'attributes', e.attributes);
  return `${numF(o, 'droppedAttributesCount', e.droppedAttributesCount)}}`;
}

function linkJson(l: SpanLink): string {
  let o = idF('{', 'traceId', l.traceId);
  o = idF(o, 'spanId', l.spanId);
  o = strF(o, 'traceState', l.traceState);
  o = attrsF(o, 'attributes', l.attributes);
  o = numF(o, 'droppedAttributesCount', l.droppedAttributesCount);
  return `${numF(o, 'flags', l.flags)}}`;
}

// ---------------------------------------------------------------- logs

export function encodeLogsJson(d: LogsData): string {
  return `${listF('{', 'resourceLogs', d.resourceLogs, (rl) =>
    level('resource', resourceJson(rl.resource), 'scopeLogs', rl.scopeLogs, scopeLogsJson, rl.schemaUrl),
  )}}`;
}

function scopeLogsJson(sl: ScopeLogs): string {
  return level('scope', scopeJson(sl.scope), 'logRecords', sl.logRecords, logRecordJson, sl.schemaUrl);
}

function logRecordJson(l: LogRecord): string {
  let o = u64F('{', 'timeUnixNano', l.timeUnixNano);
  o = u64F(o, 'observedTimeUnixNano', l.observedTimeUnixNano);
  o = numF(o, 'severityNumber', l.severityNumber);
  o = strF(o, 'severityText', l.severityText);
  o = msgF(o, 'body', anyValueJson(l.body));
  o = attrsF(o, 'attributes', l.attributes);
  o = numF(o, 'droppedAttributesCount', l.droppedAttributesCount);
  o = numF(o, 'flags', l.flags);
  o = idF(o, 'traceId', l.traceId);
  o = idF(o, 'spanId', l.spanId);
  return `${strF(o, 'eventName', l.eventName)}}`;
}

// ---------------------------------------------------------------- metrics

export function encodeMetricsJson(d: MetricsData): string {
  return `${listF('{', 'resourceMetrics', d.resourceMetrics, (rm) =>
    level(
      'resource',
      resourceJson(rm.resource),
      'scopeMetrics',
      rm.scopeMetrics,
      scopeMetricsJson,
      rm.schemaUrl,
    ),
  )}}`;
}

function scopeMetricsJson(sm: ScopeMetrics): string {
  return level('scope', scopeJson(sm.scope), 'metrics', sm.metrics, metricJson, sm.schemaUrl);
}

function metricJson(m: Metric): string {
  let o = strF('{', 'name', m.name);
  o = strF(o, 'description', m.description);
  o = strF(o, 'unit', m.unit);
  if (m.gauge !== undefined)
    o = f(o, 'gauge', `${listF('{', 'dataPoints', m.gauge.dataPoints, numberPointJson)}}`);
  else if (m.sum !== undefined) {
    let d = listF('{', 'dataPoints', m.sum.dataPoints, numberPointJson);
    d = numF(d, 'aggregationTemporality', m.sum.aggregationTemporality);
    if (m.sum.isMonotonic) d = f(d, 'isMonotonic', 'true');
    o = f(o, 'sum', `${d}}`);
  } else if (m.histogram !== undefined) {
    const d = listF('{', 'dataPoints', m.histogram.dataPoints, histogramPointJson);
    o = f(o, 'histogram', `${numF(d, 'aggregationTemporality', m.histogram.aggregationTemporality)}}`);
  } else if (m.exponentialHistogram !== undefined) {
    const d = listF('{', 'dataPoints', m.exponentialHistogram.dataPoints, expPointJson);
    o = f(
      o,
      'exponentialHistogram',
      `${numF(d, 'aggregationTemporality', m.exponentialHistogram.aggregationTemporality)}}`,
    );
  } else if (m.summary !== undefined) {
    o = f(o, 'summary', `${listF('{', 'dataPoints', m.summary.dataPoints, summaryPointJson)}}`);
  }
  return `${attrsF(o, 'metadata', m.metadata)}}`;
}

function u64s(v: bigint[]): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += i === 0 ? `"${v[i]}"` : `,"${v[i]}"`;
  return `${s}]`;
}

/** asDouble / asInt (a oneof: written when set, even if zero). */
function numberValueF(o: string, p: { asDouble?: number; asInt?: bigint }): string {
  if (p.asDouble !== undefined) return f(o, 'asDouble', jsonDouble(p.asDouble));
  if (p.asInt !== undefined) return f(o, 'asInt', `"${p.asInt}"`);
  return o;
}

function pointHead(p: { attributes: KeyValue[]; startTimeUnixNano: bigint; timeUnixNano: bigint }): string {
  let o = attrsF('{', 'attributes', p.attributes);
  o = u64F(o, 'startTimeUnixNano', p.startTimeUnixNano);
  return u64F(o, 'timeUnixNano', p.timeUnixNano);
}

function numberPointJson(p: NumberDataPoint): string {
  let o = numberValueF(pointHead(p), p);
  o = listF(o, 'exemplars', p.exemplars, exemplarJson);
  return `${numF(o, 'flags', p.flags)}}`;
}

function histogramPointJson(p: HistogramDataPoint): string {
  let o = u64F(pointHead(p), 'count', p.count);
  o = optDblF(o, 'sum', p.sum);
  if (p.bucketCounts.length !== 0) o = f(o, 'bucketCounts', u64s(p.bucketCounts));
  o = listF(o, 'explicitBounds', p.explicitBounds, jsonDouble);
  o = listF(o, 'exemplars', p.exemplars, exemplarJson);
  o = numF(o, 'flags', p.flags);
  o = optDblF(o, 'min', p.min);
  return `${optDblF(o, 'max', p.max)}}`;
}

function bucketsJson(b: ExponentialHistogramBuckets): string {
  const o = numF('{', 'offset', b.offset);
  return `${b.bucketCounts.length === 0 ? o : f(o, 'bucketCounts', u64s(b.bucketCounts))}}`;
}

function expPointJson(p: ExponentialHistogramDataPoint): string {
  let o = u64F(pointHead(p), 'count', p.count);
  o = optDblF(o, 'sum', p.sum);
  o = numF(o, 'scale', p.scale);
  o = u64F(o, 'zeroCount', p.zeroCount);
  o = msgF(o, 'positive', bucketsJson(p.positive));
  o = msgF(o, 'negative', bucketsJson(p.negative));
  o = numF(o, 'flags', p.flags);
  o = listF(o, 'exemplars', p.exemplars, exemplarJson);
  o = optDblF(o, 'min', p.min);
  o = optDblF(o, 'max', p.max);
  return `${dblF(o, 'zeroThreshold', p.zeroThreshold)}}`;
}

function quantileJson(v: ValueAtQuantile): string {
  return `${dblF(dblF('{', 'quantile', v.quantile), 'value', v.value)}}`;
}

function summaryPointJson(p: SummaryDataPoint): string {
  let o = u64F(pointHead(p), 'count', p.count);
  o = dblF(o, 'sum', p.sum);
  o = listF(o, 'quantileValues', p.quantileValues, quantileJson);
  return `${numF(o, 'flags', p.flags)}}`;
}

function exemplarJson(e: Exemplar): string {
  let o = attrsF('{', 'filteredAttributes', e.filteredAttributes);
  o = u64F(o, 'timeUnixNano', e.timeUnixNano);
  o = numberValueF(o, e);
  o = idF(o, 'spanId', e.spanId);
  return `${idF(o, 'traceId', e.traceId)}}`;
}
