// What each decoded OTLP value costs on the V8 heap, charged to the request's
// DecodeBudget by the protobuf decoders (proto-*.ts), by the lazy validator
// (proto-lazy.ts: the same figures for the items it leaves undecoded, so a
// request's budget covers what decoding them later will take) and, through
// jsonCost(), by the JSON decoder.
//
// Measured on Node 20 (x64, no pointer compression) with `node --expose-gc`:
// heapUsed after minus before decoding 200k copies of the value, divided by
// 200k; each figure includes the value's slot in its parent's array, the
// default objects it carries (an empty AnyValue, a status) and its 64-bit
// fields (BigInts are heap objects). Strings up to 48 bytes come from the
// decoder's string cache and cost nothing; longer ones cost their length.

export const COST = {
  /** A KeyValue with its AnyValue object (an empty one when absent): 82–106 measured. */
  keyValue: 106,
  /** An AnyValue as an ArrayValue element: 66. */
  arrayElement: 66,
  /** An ArrayValue / KeyValueList object and its array. */
  anyList: 64,
  /** Resource or scope (replacing the default one). */
  resource: 120,
  entityRef: 120,
  /** ResourceX and ScopeX containers with their default resource / scope: 180–200. */
  resourceLevel: 200,
  scopeLevel: 180,
  /** Span with its status and two timestamps: 298 + 48. */
  span: 350,
  event: 124,
  link: 115,
  /** A nested message whose object is already counted in its parent (status, body). */
  inParent: 0,
  /** LogRecord with two timestamps: 210 + 48. */
  logRecord: 260,
  metric: 100,
  /** Gauge/Sum/Histogram… objects: part of the metric's figure. */
  metricData: 0,
  /** Number data point, three 64-bit fields: 138 + 72. */
  numberPoint: 210,
  histogramPoint: 300,
  expHistogramPoint: 400,
  buckets: 0,
  summaryPoint: 300,
  quantile: 50,
  exemplar: 150,
  /** One element of a packed repeated 64-bit field (a BigInt and its slot): 27–36. */
  bigintElement: 40,
  /** One element of a repeated double: 10. */
  doubleElement: 10,
  /** A Uint8Array view (IDs, bytes values): 96. */
  bytesView: 96,
  /** String header; the characters add their length. */
  string: 16,
} as const;

/** Strings up to this length come from the reader's cache (proto-wire.ts STR_CACHE_MAX). */
export const CACHED_STRING_MAX = 48;

/** The cost of a decoded string of `n` UTF-8 bytes. */
export function stringCost(n: number): number {
  return n > CACHED_STRING_MAX ? n + COST.string : 0;
}
