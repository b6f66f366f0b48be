// Text layouts of the debug exporter: a summary per batch (basic), one compact
// line per item (normal), and the full data (detailed) in a layout close to
// the collector's otlptext marshaler.
import { anyValueToString } from '../../src/pdata/attributes.js';
import { countLogRecords, countMetricPoints, countSpans } from '../../src/pdata/count.js';
import { hexOf } from '../../src/pdata/ids.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type {
  AnyValue,
  Exemplar,
  InstrumentationScope,
  KeyValue,
  LogsData,
  Metric,
  MetricsData,
  Resource,
  TracesData,
} from '../../src/pdata/types.js';

export function summary<S extends Signal>(
  signal: S,
  data: SignalDataMap[S],
): { msg: string; fields: Record<string, number> } {
  if (signal === 'traces') {
    const d = data as TracesData;
    return { msg: 'Traces', fields: { 'resource spans': d.resourceSpans.length, spans: countSpans(d) } };
  }
  if (signal === 'logs') {
    const d = data as LogsData;
    return {
      msg: 'Logs',
      fields: { 'resource logs': d.resourceLogs.length, 'log records': countLogRecords(d) },
    };
  }
  const d = data as MetricsData;
  let metrics = 0;
  for (const rm of d.resourceMetrics) for (const sm of rm.scopeMetrics) metrics += sm.metrics.length;
  return {
    msg: 'Metrics',
    fields: { 'resource metrics': d.resourceMetrics.length, metrics, 'data points': countMetricPoints(d) },
  };
}

// ---- value formatting (pcommon.Value style: Str(x), Int(1), Map({...})) ----

export function typedValue(v: AnyValue): string {
  if ('stringValue' in v) return `Str(${v.stringValue})`;
  if ('intValue' in v) return `Int(${v.intValue})`;
  if ('doubleValue' in v) return `Double(${v.doubleValue})`;
  if ('boolValue' in v) return `Bool(${v.boolValue})`;
  if ('bytesValue' in v) return `Bytes(${anyValueToString(v)})`;
  if ('arrayValue' in v) return `Slice(${anyValueToString(v)})`;
  if ('kvlistValue' in v) return `Map(${anyValueToString(v)})`;
  return 'Empty()';
}

function attrLines(out: string[], attrs: KeyValue[], indent = '     ') {
  for (const kv of attrs) out.push(`${indent}-> ${kv.key}: ${typedValue(kv.value)}`);
}

function compactAttrs(attrs: KeyValue[]): string {
  let s = '';
  for (const kv of attrs) s += `${s ? ' ' : ''}${kv.key}=${anyValueToString(kv.value)}`;
  return s;
}

/** Go's time.Time.String() in UTC: "2020-02-11 20:26:12.000000321 +0000 UTC". */
export function goTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2020-02-11T20:26:12.000Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac} +0000 UTC`;
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS = ['Unset', 'Ok', 'Error'];
const SEVERITY_NAMES = ['Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal'];

function severityName(n: number): string {
  if (n <= 0 || n > 24) return `Unspecified(${n})`;
  const base = SEVERITY_NAMES[Math.floor((n - 1) / 4)];
  const sub = (n - 1) % 4;
  return `${base}${sub === 0 ? '' : sub + 1}(${n})`;
}

function resourceHeader(out: string[], kind: string, i: number, res: Resource, schemaUrl: string) {
  out.push(`${kind} #${i}`, `Resource SchemaURL: ${schemaUrl}`);
  if (res.attributes.length > 0) {
    out.push('Resource attributes:');
    attrLines(out, res.attributes);
  }
}

function scopeHeader(out: string[], kind: string, i: number, scope: InstrumentationScope, schemaUrl: string) {
  out.push(
    `${kind} #${i}`,
    `${kind} SchemaURL: ${schemaUrl}`,
    `InstrumentationScope ${scope.name} ${scope.version}`,
  );
  if (scope.attributes.length > 0) {
    out.push('InstrumentationScope attributes:');
    attrLines(out, scope.attributes);
  }
}

// ---- detailed ----

function detailedTraces(d: TracesData, out: string[]) {
  d.resourceSpans.forEach((rs, ri) => {
    resourceHeader(out, 'ResourceSpans', ri, rs.resource, rs.schemaUrl);
    rs.scopeSpans.forEach((ss, si) => {
      scopeHeader(out, 'ScopeSpans', si, ss.scope, ss.schemaUrl);
      ss.spans.forEach((s, i) => {
        out.push(
          `Span #${i}`,
          `    Trace ID       : ${hexOf(s.traceId)}`,
          `    Parent ID      : ${hexOf(s.parentSpanId)}`,
          `    ID             : ${hexOf(s.spanId)}`,
          `    Name           : ${s.name}`,
          `    Kind           : ${SPAN_KINDS[s.kind] ?? s.kind}`,
          `    Start time     : ${goTime(s.startTimeUnixNano)}`,
          `    End time       : ${goTime(s.endTimeUnixNano)}`,
          `    Status code    : ${STATUS[s.status.code] ?? s.status.code}`,
          `    Status message : ${s.status.message}`,
        );
        if (s.traceState) out.push(`    TraceState     : ${s.traceState}`);
        if (s.attributes.length > 0) {
          out.push('Attributes:');
          attrLines(out, s.attributes);
        }
        if (s.events.length > 0) {
          out.push('Events:');
          s.events.forEach((e, ei) => {
            out.push(
              `SpanEvent #${ei}`,
              `     -> Name: ${e.name}`,
              `     -> Timestamp: ${goTime(e.timeUnixNano)}`,
              `     -> DroppedAttributesCount: ${e.droppedAttributesCount}`,
            );
            if (e.attributes.length > 0) {
              out.push('     -> Attributes::');
              attrLines(out, e.attributes, '          ');
            }
          });
        }
        if (s.links.length > 0) {
          out.push('Links:');
          s.links.forEach((l, li) => {
            out.push(
              `SpanLink #${li}`,
              `     -> Trace ID: ${hexOf(l.traceId)}`,
              `     -> ID: ${hexOf(l.spanId)}`,
              `     -> TraceState: ${l.traceState}`,
              `     -> DroppedAttributesCount: ${l.droppedAttributesCount}`,
            );
            if (l.attributes.length > 0) {
              out.push('     -> Attributes::');
              attrLines(out, l.attributes, '          ');
            }
          });
        }
      });
    });
  });
}

function detailedLogs(d: LogsData, out: string[]) {
  d.resourceLogs.forEach((rl, ri) => {
    resourceHeader(out, 'ResourceLog', ri, rl.resource, rl.schemaUrl);
    rl.scopeLogs.forEach((sl, si) => {
      scopeHeader(out, 'ScopeLogs', si, sl.scope, sl.schemaUrl);
      sl.logRecords.forEach((r, i) => {
        out.push(
          `LogRecord #${i}`,
          `ObservedTimestamp: ${goTime(r.observedTimeUnixNano)}`,
          `Timestamp: ${goTime(r.timeUnixNano)}`,
          `SeverityText: ${r.severityText}`,
          `SeverityNumber: ${severityName(r.severityNumber)}`,
        );
        if (r.eventName) out.push(`EventName: ${r.eventName}`);
        out.push(`Body: ${typedValue(r.body)}`);
        if (r.attributes.length > 0) {
          out.push('Attributes:');
          attrLines(out, r.attributes);
        }
        out.push(`Trace ID: ${hexOf(r.traceId)}`, `Span ID: ${hexOf(r.spanId)}`, `Flags: ${r.flags}`);
      });
    });
  });
}

function metricType(m: Metric): string {
  if (m.gauge) return 'Gauge';
  if (m.sum) return 'Sum';
  if (m.histogram) return 'Histogram';
  if (m.exponentialHistogram) return 'ExponentialHistogram';
  if (m.summary) return 'Summary';
  return 'Empty';
}

const num = (v: number | undefined) => (v === undefined ? '' : v.toFixed(6));

function exemplarLines(out: string[], ex: Exemplar[]) {
  if (ex.length === 0) return;
  out.push('Exemplars:');
  ex.forEach((e, i) => {
    out.push(
      `Exemplar #${i}`,
      `     -> Trace ID: ${hexOf(e.traceId)}`,
      `     -> Span ID: ${hexOf(e.spanId)}`,
      `     -> Timestamp: ${goTime(e.timeUnixNano)}`,
      `     -> Value: ${e.asInt !== undefined ? e.asInt : num(e.asDouble)}`,
    );
  });
}

function detailedMetrics(d: MetricsData, out: string[]) {
  d.resourceMetrics.forEach((rm, ri) => {
    resourceHeader(out, 'ResourceMetrics', ri, rm.resource, rm.schemaUrl);
    rm.scopeMetrics.forEach((sm, si) => {
      scopeHeader(out, 'ScopeMetrics', si, sm.scope, sm.schemaUrl);
      sm.metrics.forEach((m, i) => {
        out.push(
          `Metric #${i}`,
          'Descriptor:',
          `     -> Name: ${m.name}`,
          `     -> Description: ${m.description}`,
          `     -> Unit: ${m.unit}`,
          `     -> DataType: ${metricType(m)}`,
        );
        const temporality = (m.sum ?? m.histogram ?? m.exponentialHistogram)?.aggregationTemporality;
        if (m.sum) out.push(`     -> IsMonotonic: ${m.sum.isMonotonic}`);
        if (temporality !== undefined)
          out.push(
            `     -> AggregationTemporality: ${['Unspecified', 'Delta', 'Cumulative'][temporality] ?? temporality}`,
          );
        const head = (
          kind: string,
          j: number,
          p: { attributes: KeyValue[]; startTimeUnixNano: bigint; timeUnixNano: bigint },
        ) => {
          out.push(`${kind} #${j}`);
          if (p.attributes.length > 0) {
            out.push('Data point attributes:');
            attrLines(out, p.attributes);
          }
          out.push(`StartTimestamp: ${goTime(p.startTimeUnixNano)}`, `Timestamp: ${goTime(p.timeUnixNano)}`);
        };
        for (const [j, p] of (m.gauge ?? m.sum)?.dataPoints.entries() ?? []) {
          head('NumberDataPoints', j, p);
          out.push(`Value: ${p.asInt !== undefined ? p.asInt : num(p.asDouble)}`);
          exemplarLines(out, p.exemplars);
        }
        for (const [j, p] of m.histogram?.dataPoints.entries() ?? []) {
          head('HistogramDataPoints', j, p);
          out.push(`Count: ${p.count}`);
          if (p.sum !== undefined) out.push(`Sum: ${num(p.sum)}`);
          if (p.min !== undefined) out.push(`Min: ${num(p.min)}`);
          if (p.max !== undefined) out.push(`Max: ${num(p.max)}`);
          for (const [k, b] of p.explicitBounds.entries()) out.push(`ExplicitBounds #${k}: ${num(b)}`);
          for (const [k, c] of p.bucketCounts.entries()) out.push(`Buckets #${k}, Count: ${c}`);
          exemplarLines(out, p.exemplars);
        }
        for (const [j, p] of m.exponentialHistogram?.dataPoints.entries() ?? []) {
          head('ExponentialHistogramDataPoints', j, p);
          out.push(`Count: ${p.count}`);
          if (p.sum !== undefined) out.push(`Sum: ${num(p.sum)}`);
          if (p.min !== undefined) out.push(`Min: ${num(p.min)}`);
          if (p.max !== undefined) out.push(`Max: ${num(p.max)}`);
          out.push(`Scale: ${p.scale}`, `ZeroCount: ${p.zeroCount}`);
          out.push(`Positive offset ${p.positive.offset}: [${p.positive.bucketCounts.join(', ')}]`);
          out.push(`Negative offset ${p.negative.offset}: [${p.negative.bucketCounts.join(', ')}]`);
          exemplarLines(out, p.exemplars);
        }
        for (const [j, p] of m.summary?.dataPoints.entries() ?? []) {
          head('SummaryDataPoints', j, p);
          out.push(`Count: ${p.count}`, `Sum: ${num(p.sum)}`);
          for (const [k, q] of p.quantileValues.entries())
            out.push(`QuantileValue #${k}: Quantile ${q.quantile}, Value ${num(q.value)}`);
        }
      });
    });
  });
}

export function detailed<S extends Signal>(signal: S, data: SignalDataMap[S]): string {
  const out: string[] = [];
  if (signal === 'traces') detailedTraces(data as TracesData, out);
  else if (signal === 'logs') detailedLogs(data as LogsData, out);
  else detailedMetrics(data as MetricsData, out);
  return `${out.join('\n')}\n`;
}

// ---- normal: one compact line per item, under its resource and scope ----

export function normal<S extends Signal>(signal: S, data: SignalDataMap[S]): string {
  const out: string[] = [];
  const res = (kind: string, i: number, r: Resource, schema: string) =>
    out.push(`${kind} #${i}${schema ? ` [${schema}]` : ''} ${compactAttrs(r.attributes)}`.trimEnd());
  const scope = (kind: string, i: number, s: InstrumentationScope) =>
    out.push(`${kind} #${i} ${s.name}@${s.version} ${compactAttrs(s.attributes)}`.trimEnd());
  if (signal === 'traces') {
    (data as TracesData).resourceSpans.forEach((rs, ri) => {
      res('ResourceSpans', ri, rs.resource, rs.schemaUrl);
      rs.scopeSpans.forEach((ss, si) => {
        scope('ScopeSpans', si, ss.scope);
        for (const s of ss.spans)
          out.push(
            `${s.name} ${hexOf(s.traceId)} ${hexOf(s.spanId)} ${compactAttrs(s.attributes)}`.trimEnd(),
          );
      });
    });
  } else if (signal === 'logs') {
    (data as LogsData).resourceLogs.forEach((rl, ri) => {
      res('ResourceLog', ri, rl.resource, rl.schemaUrl);
      rl.scopeLogs.forEach((sl, si) => {
        scope('ScopeLog', si, sl.scope);
        for (const r of sl.logRecords)
          out.push(`${anyValueToString(r.body)} ${compactAttrs(r.attributes)}`.trimEnd());
      });
    });
  } else {
    (data as MetricsData).resourceMetrics.forEach((rm, ri) => {
      res('ResourceMetrics', ri, rm.resource, rm.schemaUrl);
      rm.scopeMetrics.forEach((sm, si) => {
        scope('ScopeMetrics', si, sm.scope);
        for (const m of sm.metrics) {
          for (const p of (m.gauge ?? m.sum)?.dataPoints ?? [])
            out.push(`${m.name} ${compactAttrs(p.attributes)} ${p.asInt ?? p.asDouble}`.replace('  ', ' '));
          for (const p of m.histogram?.dataPoints ?? [])
            out.push(
              `${m.name} ${compactAttrs(p.attributes)} count=${p.count} sum=${p.sum ?? ''}`.replace(
                '  ',
                ' ',
              ),
            );
          for (const p of m.exponentialHistogram?.dataPoints ?? [])
            out.push(
              `${m.name} ${compactAttrs(p.attributes)} count=${p.count} sum=${p.sum ?? ''}`.replace(
                '  ',
                ' ',
              ),
            );
          for (const p of m.summary?.dataPoints ?? [])
            out.push(
              `${m.name} ${compactAttrs(p.attributes)} count=${p.count} sum=${p.sum}`.replace('  ', ' '),
            );
        }
      });
    });
  }
  return `${out.join('\n')}\n`;
}
