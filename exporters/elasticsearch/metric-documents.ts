// Metric data points → Elasticsearch documents, as the collector's
// elasticsearchexporter writes them. Points of one resource and scope that
// share the timestamp, start time, unit (otel mode), attributes and target
// index become ONE document whose `metrics` object holds a field per metric
// name (a name twice in one document is a validation error for the second
// point). Each field is indexed with the dynamic template the bulk action
// names (`metrics.<name>`: gauge_double/long, counter_double/long, histogram,
// summary), and otel documents carry `_metric_names_hash` (XXH64 of the sorted
// names), `_doc_count` for histograms and the epoch-millis `@timestamp`.
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../src/pdata/types.js';
import type { DataStream } from './documents.js';
import { isRoutingAttr } from './documents.js';
import { ecsResourceField } from './ecs.js';
import { isoNanos, jsonObject, jsonPairs, quote } from './json.js';
import { xxhash64Hex } from './xxhash64.js';

export type MetricPoint =
  | NumberDataPoint
  | HistogramDataPoint
  | ExponentialHistogramDataPoint
  | SummaryDataPoint;

export interface MetricValue {
  /** JSON text of the field's value. */
  json: string;
  template: string;
  docCount?: bigint;
}

/** A number with an explicit radix point for doubles (1.0 stays 1.0), as the collector writes them. */
function double(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? `${v}.0` : String(v);
}

/** The field value and dynamic template of one point, or an error text. */
export function metricValue(m: Metric, p: MetricPoint): MetricValue | string {
  if (m.gauge || m.sum) {
    const np = p as NumberDataPoint;
    const counter = !!m.sum?.isMonotonic;
    if (np.asInt !== undefined)
      return { json: np.asInt.toString(), template: counter ? 'counter_long' : 'gauge_long' };
    if (np.asDouble !== undefined) {
      if (!Number.isFinite(np.asDouble)) return `invalid number data point "${m.name}"`;
      return { json: double(np.asDouble), template: counter ? 'counter_double' : 'gauge_double' };
    }
    return `invalid number data point "${m.name}"`;
  }
  if (m.histogram) {
    const h = p as HistogramDataPoint;
    const b = h.explicitBounds;
    const c = h.bucketCounts;
    if (c.length !== b.length + 1 || b.length === 0) return `invalid histogram data point "${m.name}"`;
    const counts: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < c.length; i++) {
      if (c[i] === 0n) continue;
      let v: number;
      if (i === 0) v = b[0] > 0 ? b[0] / 2 : b[0];
      else if (i === c.length - 1) v = b[i - 1];
      else v = b[i - 1] + (b[i] - b[i - 1]) / 2;
      counts.push(c[i].toString());
      values.push(double(v));
    }
    return {
      json: `{"counts":[${counts.join(',')}],"values":[${values.join(',')}]}`,
      template: 'histogram',
      docCount: h.count,
    };
  }
  if (m.exponentialHistogram) {
    const e = p as ExponentialHistogramDataPoint;
    const base = 2 ** (2 ** -e.scale);
    const pairs: [number, bigint][] = [];
    e.negative.bucketCounts.forEach((cnt, i) => {
      const idx = e.negative.offset + i;
      if (cnt > 0n) pairs.push([-((base ** idx + base ** (idx + 1)) / 2), cnt]);
    });
    if (e.zeroCount > 0n) pairs.push([0, e.zeroCount]);
    e.positive.bucketCounts.forEach((cnt, i) => {
      const idx = e.positive.offset + i;
      if (cnt > 0n) pairs.push([(base ** idx + base ** (idx + 1)) / 2, cnt]);
    });
    pairs.sort((a, z) => a[0] - z[0]);
    return {
      json: `{"counts":[${pairs.map((x) => x[1]).join(',')}],"values":[${pairs.map((x) => double(x[0])).join(',')}]}`,
      template: 'histogram',
      docCount: e.count,
    };
  }
  if (m.summary) {
    const s = p as SummaryDataPoint;
    return { json: `{"sum":${double(s.sum)},"value_count":${s.count}}`, template: 'summary' };
  }
  return `metric "${m.name}" has no data type`;
}

export interface MetricDocParts {
  timeNs: bigint;
  startNs: bigint;
  unit: string;
  attributes: KeyValue[];
  ds?: DataStream;
  /** Resource and scope fragments (leading comma), rendered once per scope. */
  resource: string;
  scope: string;
  fields: { name: string; value: MetricValue }[];
}

const hashCache = new Map<string, string>();

/** XXH64 of the sorted metric names, cached (a few distinct name sets per pipeline). */
export function metricNamesHash(names: string[]): string {
  const key = [...names].sort().join('');
  let h = hashCache.get(key);
  if (h === undefined) {
    h = xxhash64Hex(key);
    if (hashCache.size < 10_000) hashCache.set(key, h);
  }
  return h;
}

/** The otel-mode document source. */
export function otelMetricDocument(d: MetricDocParts): string {
  let s = `{"@timestamp":${d.timeNs / 1_000_000n}`;
  if (d.startNs !== 0n) s += `,"start_timestamp":${d.startNs / 1_000_000n}`;
  if (d.unit) s += `,"unit":${quote(d.unit)}`;
  if (d.ds)
    s += `,"data_stream":{"type":${quote(d.ds.type)},"dataset":${quote(d.ds.dataset)},"namespace":${quote(d.ds.namespace)}}`;
  if (d.attributes.some((kv) => !isRoutingAttr(kv.key)))
    s += `,"attributes":${jsonObject(d.attributes, isRoutingAttr)}`;
  s += d.resource + (d.scope || ',"scope":{}');
  s += ',"metrics":{';
  let docCount: bigint | undefined;
  d.fields.forEach((f, i) => {
    s += `${i ? ',' : ''}${quote(f.name)}:${f.value.json}`;
    if (f.value.docCount !== undefined) docCount = f.value.docCount;
  });
  s += '}';
  if (docCount !== undefined && docCount !== 0n) s += `,"_doc_count":${docCount}`;
  s += `,"_metric_names_hash":${quote(metricNamesHash(d.fields.map((f) => f.name)))}}`;
  return s;
}

/** The ECS-mode document: flat fields, resource attributes under their ECS names, one field per metric. */
export function ecsMetricDocument(d: MetricDocParts, resource: KeyValue[]): string {
  let s = `{"@timestamp":${quote(isoNanos(d.timeNs).replace(/(\.\d{3})\d{6}Z$/, '$1Z'))}`;
  if (d.ds)
    s += `,"data_stream.type":${quote(d.ds.type)},"data_stream.dataset":${quote(d.ds.dataset)},"data_stream.namespace":${quote(d.ds.namespace)}`;
  for (const kv of resource) {
    if (isRoutingAttr(kv.key)) continue;
    s += jsonPairs([{ key: ecsResourceField(kv.key), value: kv.value }]);
  }
  s += jsonPairs(d.attributes, '', isRoutingAttr);
  for (const f of d.fields) s += `,${quote(f.name)}:${f.value.json}`;
  return `${s}}`;
}

/** The bulk action's dynamic_templates object text: {"metrics.<name>":"<template>",...}. */
export function dynamicTemplates(fields: { name: string; value: MetricValue }[], prefix: string): string {
  return `{${fields.map((f) => `${quote(prefix + f.name)}:${quote(f.value.template)}`).join(',')}}`;
}
