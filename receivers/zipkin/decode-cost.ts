// What a decoded Zipkin value costs on the V8 heap once translated to OTLP,
// charged to the request's DecodeBudget (src/codec/decode-budget.ts) by the
// zipkin decoders, so a small request of many empty spans, annotations or tags
// is refused before it takes the heap. Estimates built from the measured OTLP
// figures (src/codec/decode-cost.ts) plus the intermediate Zipkin object each
// value passes through (an object of a few fields: ~80 bytes); not measured
// on their own.
import { COST } from '../../src/codec/decode-cost.js';

const MODEL_OBJECT = 80;

export const ZIPKIN_COST = {
  /** ZSpan (with its tag map) plus the OTLP span, with their IDs. */
  span: MODEL_OBJECT + 64 + COST.span + 3 * (COST.bytesView + 16),
  /** An endpoint (and the resource/attributes it becomes). */
  endpoint: MODEL_OBJECT + COST.keyValue,
  /** An annotation plus its span event. */
  annotation: MODEL_OBJECT + COST.event,
  /** A tag / binary annotation plus its attribute. */
  tag: MODEL_OBJECT + COST.keyValue,
} as const;
