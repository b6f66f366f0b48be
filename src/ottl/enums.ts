// Enum symbols per context (the contexts' READMEs): span kinds and status
// codes for traces, severity numbers for logs, metric types and aggregation
// temporality for metrics. Enums are int64 values fixed at config time.
import type { ContextName } from './context.js';

const SPAN: Record<string, bigint> = {
  SPAN_KIND_UNSPECIFIED: 0n,
  SPAN_KIND_INTERNAL: 1n,
  SPAN_KIND_SERVER: 2n,
  SPAN_KIND_CLIENT: 3n,
  SPAN_KIND_PRODUCER: 4n,
  SPAN_KIND_CONSUMER: 5n,
  STATUS_CODE_UNSET: 0n,
  STATUS_CODE_OK: 1n,
  STATUS_CODE_ERROR: 2n,
};

const LOG: Record<string, bigint> = { SEVERITY_NUMBER_UNSPECIFIED: 0n };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  for (let j = 0; j < 4; j++) LOG[`SEVERITY_NUMBER_${name}${j === 0 ? '' : j + 1}`] = BigInt(i * 4 + j + 1);
});

const METRIC: Record<string, bigint> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0n,
  AGGREGATION_TEMPORALITY_DELTA: 1n,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2n,
  METRIC_DATA_TYPE_NONE: 0n,
  METRIC_DATA_TYPE_GAUGE: 1n,
  METRIC_DATA_TYPE_SUM: 2n,
  METRIC_DATA_TYPE_HISTOGRAM: 3n,
  METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM: 4n,
  METRIC_DATA_TYPE_SUMMARY: 5n,
};

const BY_CONTEXT: Record<ContextName, Record<string, bigint>> = {
  resource: {},
  scope: {},
  span: SPAN,
  spanevent: SPAN,
  log: LOG,
  metric: METRIC,
  datapoint: { ...METRIC, FLAG_NONE: 0n, FLAG_NO_RECORDED_VALUE: 1n },
};

export function enumValue(context: ContextName, symbol: string): bigint | undefined {
  return BY_CONTEXT[context][symbol];
}
