import type { Signal, SignalDataMap } from './signal.js';
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
} from './types.js';

/**
 * Deep copy for fan-out to a mutating branch (DESIGN.md). Uint8Array IDs are
 * treated as immutable and shared: processors replace IDs, never write into them.
 * Written out per type (object literals of a fixed shape) because a generic
 * for-in walk is several times slower on the fan-out hot path.
 */
export function cloneData<S extends Signal>(signal: S, data: SignalDataMap[S]): SignalDataMap[S] {
  switch (signal) {
    case 'traces':
      return cloneTraces(data as TracesData) as SignalDataMap[S];
    case 'metrics':
      return cloneMetrics(data as MetricsData) as SignalDataMap[S];
    case 'logs':
      return cloneLogs(data as LogsData) as SignalDataMap[S];
    default:
      return deepClone(data);
  }
}

function map<T>(a: T[], f: (x: T) => T): T[] {
  const out = new Array<T>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]);
  return out;
}

export function cloneAnyValue(v: AnyValue): AnyValue {
  const a = v as any;
  if (a.stringValue !== undefined) return { stringValue: a.stringValue };
  if (a.intValue !== undefined) return { intValue: a.intValue };
  if (a.boolValue !== undefined) return { boolValue: a.boolValue };
  if (a.doubleValue !== undefined) return { doubleValue: a.doubleValue };
  if (a.arrayValue !== undefined) return { arrayValue: { values: map(a.arrayValue.values, cloneAnyValue) } };
  if (a.kvlistValue !== undefined)
    return { kvlistValue: { values: map(a.kvlistValue.values, cloneKeyValue) } };
  if (a.bytesValue !== undefined) return { bytesValue: a.bytesValue };
  return {};
}

export function cloneKeyValue(kv: KeyValue): KeyValue {
  return { key: kv.key, value: cloneAnyValue(kv.value) };
}

function attrs(a: KeyValue[]): KeyValue[] {
  return map(a, cloneKeyValue);
}

function cloneEntityRef(e: EntityRef): EntityRef {
  return {
    schemaUrl: e.schemaUrl,
    type: e.type,
    idKeys: e.idKeys.slice(),
    descriptionKeys: e.descriptionKeys.slice(),
  };
}

export function cloneResource(r: Resource): Resource {
  return {
    attributes: attrs(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    entityRefs: map(r.entityRefs, cloneEntityRef),
  };
}

export function cloneScope(s: InstrumentationScope): InstrumentationScope {
  return {
    name: s.name,
    version: s.version,
    attributes: attrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
  };
}

// ---- traces

function cloneTraces(d: TracesData): TracesData {
  return {
    resourceSpans: d.resourceSpans.map((rs) => ({
      resource: cloneResource(rs.resource),
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: cloneScope(ss.scope),
        spans: map(ss.spans, cloneSpan),
        schemaUrl: ss.schemaUrl,
      })),
      schemaUrl: rs.schemaUrl,
    })),
  };
}

export function cloneSpan(s: Span): Span {
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
    attributes: attrs(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.length === 0 ? [] : map(s.events, cloneEvent),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.length === 0 ? [] : map(s.links, cloneLink),
    droppedLinksCount: s.droppedLinksCount,
    status: { message: s.status.message, code: s.status.code },
  };
}

function cloneEvent(e: SpanEvent): SpanEvent {
  return {
    timeUnixNano: e.timeUnixNano,
    name: e.name,
    attributes: attrs(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount,
  };
}

function cloneLink(l: SpanLink): SpanLink {
  return {
    traceId: l.traceId,
    spanId: l.spanId,
    traceState: l.traceState,
    attributes: attrs(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
  };
}

// ---- logs

function cloneLogs(d: LogsData): LogsData {
  return {
    resourceLogs: d.resourceLogs.map((rl) => ({
      resource: cloneResource(rl.resource),
      scopeLogs: rl.scopeLogs.map((sl) => ({
        scope: cloneScope(sl.scope),
        logRecords: map(sl.logRecords, cloneLogRecord),
        schemaUrl: sl.schemaUrl,
      })),
      schemaUrl: rl.schemaUrl,
    })),
  };
}

export function cloneLogRecord(l: LogRecord): LogRecord {
  return {
    timeUnixNano: l.timeUnixNano,
    observedTimeUnixNano: l.observedTimeUnixNano,
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: cloneAnyValue(l.body),
    attributes: attrs(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount,
    flags: l.flags,
    traceId: l.traceId,
    spanId: l.spanId,
    eventName: l.eventName,
  };
}

// ---- metrics

function cloneMetrics(d: MetricsData): MetricsData {
  return {
    resourceMetrics: d.resourceMetrics.map((rm) => ({
      resource: cloneResource(rm.resource),
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: cloneScope(sm.scope),
        metrics: map(sm.metrics, cloneMetric),
        schemaUrl: sm.schemaUrl,
      })),
      schemaUrl: rm.schemaUrl,
    })),
  };
}

/** Copies the optional (proto3 `optional` / oneof) properties only when present, as decoders do. */
function setOpt<T extends object>(out: T, src: T, key: keyof T): void {
  if (src[key] !== undefined) out[key] = src[key];
}

function cloneExemplar(e: Exemplar): Exemplar {
  const out: Exemplar = {
    filteredAttributes: attrs(e.filteredAttributes),
    timeUnixNano: e.timeUnixNano,
    spanId: e.spanId,
    traceId: e.traceId,
  };
  setOpt(out, e, 'asDouble');
  setOpt(out, e, 'asInt');
  return out;
}

function cloneNumberPoint(p: NumberDataPoint): NumberDataPoint {
  const out: NumberDataPoint = {
    attributes: attrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    exemplars: map(p.exemplars, cloneExemplar),
    flags: p.flags,
  };
  setOpt(out, p, 'asDouble');
  setOpt(out, p, 'asInt');
  return out;
}

function cloneHistogramPoint(p: HistogramDataPoint): HistogramDataPoint {
  const out: HistogramDataPoint = {
    attributes: attrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    bucketCounts: p.bucketCounts.slice(),
    explicitBounds: p.explicitBounds.slice(),
    exemplars: map(p.exemplars, cloneExemplar),
    flags: p.flags,
  };
  setOpt(out, p, 'sum');
  setOpt(out, p, 'min');
  setOpt(out, p, 'max');
  return out;
}

function cloneBuckets(b: ExponentialHistogramBuckets): ExponentialHistogramBuckets {
  return { offset: b.offset, bucketCounts: b.bucketCounts.slice() };
}

function cloneExpPoint(p: ExponentialHistogramDataPoint): ExponentialHistogramDataPoint {
  const out: ExponentialHistogramDataPoint = {
    attributes: attrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    scale: p.scale,
    zeroCount: p.zeroCount,
    positive: cloneBuckets(p.positive),
    negative: cloneBuckets(p.negative),
    flags: p.flags,
    exemplars: map(p.exemplars, cloneExemplar),
    zeroThreshold: p.zeroThreshold,
  };
  setOpt(out, p, 'sum');
  setOpt(out, p, 'min');
  setOpt(out, p, 'max');
  return out;
}

function cloneSummaryPoint(p: SummaryDataPoint): SummaryDataPoint {
  return {
    attributes: attrs(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    count: p.count,
    sum: p.sum,
    quantileValues: p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })),
    flags: p.flags,
  };
}

export function cloneMetric(m: Metric): Metric {
  const out: Metric = { name: m.name, description: m.description, unit: m.unit, metadata: attrs(m.metadata) };
  if (m.gauge !== undefined) out.gauge = { dataPoints: map(m.gauge.dataPoints, cloneNumberPoint) };
  else if (m.sum !== undefined)
    out.sum = {
      dataPoints: map(m.sum.dataPoints, cloneNumberPoint),
      aggregationTemporality: m.sum.aggregationTemporality,
      isMonotonic: m.sum.isMonotonic,
    };
  else if (m.histogram !== undefined)
    out.histogram = {
      dataPoints: map(m.histogram.dataPoints, cloneHistogramPoint),
      aggregationTemporality: m.histogram.aggregationTemporality,
    };
  else if (m.exponentialHistogram !== undefined)
    out.exponentialHistogram = {
      dataPoints: map(m.exponentialHistogram.dataPoints, cloneExpPoint),
      aggregationTemporality: m.exponentialHistogram.aggregationTemporality,
    };
  else if (m.summary !== undefined)
    out.summary = { dataPoints: map(m.summary.dataPoints, cloneSummaryPoint) };
  return out;
}

/** Generic fallback (unknown signals). */
function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepClone(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = deepClone((v as Record<string, unknown>)[k]);
  return out as T;
}
