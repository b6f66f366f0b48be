// OTLP-shaped pdata. Field names follow the OTLP JSON mapping (lowerCamelCase of
// the proto names), so a reader who knows OTLP knows these objects.
// Lossless rules: IDs and bytes are Uint8Array (empty when absent), every
// 64-bit integer (fixed64 timestamps, int64 values, counts) is a bigint,
// uint32 counts and enums are numbers, proto3 `optional` fields are optional
// properties. Default-valued fields are present with their default, so code
// never has to test for undefined on a non-optional field.

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: bigint }
  | { doubleValue: number }
  | { arrayValue: ArrayValue }
  | { kvlistValue: KeyValueList }
  | { bytesValue: Uint8Array }
  | EmptyValue;

/** An AnyValue with no value set (proto: oneof unset). */
export type EmptyValue = { [k: string]: never };

export interface ArrayValue {
  values: AnyValue[];
}
export interface KeyValueList {
  values: KeyValue[];
}
export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface EntityRef {
  schemaUrl: string;
  type: string;
  idKeys: string[];
  descriptionKeys: string[];
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  entityRefs: EntityRef[];
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

// ---- traces ----

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface Status {
  message: string;
  code: number;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: Status;
}

export interface ScopeSpans {
  scope: InstrumentationScope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface TracesData {
  resourceSpans: ResourceSpans[];
}

// ---- logs ----

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

export interface LogsData {
  resourceLogs: ResourceLogs[];
}

// ---- metrics ----

export const AggregationTemporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  spanId: Uint8Array;
  traceId: Uint8Array;
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  exemplars: Exemplar[];
  flags: number;
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
}

export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: bigint[];
}

export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialHistogramBuckets;
  negative: ExponentialHistogramBuckets;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}

export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

export interface SummaryDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags: number;
}

export interface Gauge {
  dataPoints: NumberDataPoint[];
}
export interface Sum {
  dataPoints: NumberDataPoint[];
  aggregationTemporality: number;
  isMonotonic: boolean;
}
export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality: number;
}
export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality: number;
}
export interface Summary {
  dataPoints: SummaryDataPoint[];
}

/** Exactly one of gauge/sum/histogram/exponentialHistogram/summary is set (or none). */
export interface Metric {
  name: string;
  description: string;
  unit: string;
  gauge?: Gauge;
  sum?: Sum;
  histogram?: Histogram;
  exponentialHistogram?: ExponentialHistogram;
  summary?: Summary;
  metadata: KeyValue[];
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

export interface MetricsData {
  resourceMetrics: ResourceMetrics[];
}
