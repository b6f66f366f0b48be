// What a decoded Jaeger value costs on the V8 heap once translated to OTLP
// (decoded model and translation together: the translator reuses tag arrays as
// attribute lists, and builds one OTLP span, event or link per Jaeger one),
// charged to the request's DecodeBudget (src/codec/decode-budget.ts) by the
// Thrift and api_v2 decoders. Same method and machine as src/codec/decode-cost.ts.
import { COST } from '../../codec/decode-cost.js';

export const JAEGER_COST = {
  /** A tag: its KeyValue and AnyValue, and its slot in the list. */
  tag: COST.keyValue,
  /** JSpan plus the OTLP span, with their IDs (copied: 16 and 8 bytes). */
  span: 350 + COST.span + 2 * (COST.bytesView + 16),
  /** JLog plus its span event. */
  log: 80 + COST.event,
  /** JRef with its IDs, plus the link and its `opentracing.ref_type` attribute. */
  ref: 80 + 2 * (COST.bytesView + 16) + COST.link + COST.keyValue,
  /** A process and its resource. */
  process: 80 + COST.resource + COST.resourceLevel,
} as const;
