import type { Resource, TracesData } from '../../../src/pdata/types.js';
import type { WireSpan } from '../wire-span.js';

// A policy sees one trace and votes. The numbers are the collector's
// samplingpolicy.Decision values, so logs and tests read the same.
export const Decision = {
  Unspecified: 0,
  Pending: 1,
  Sampled: 2,
  NotSampled: 3,
  Dropped: 4,
  Error: 5,
  /** Deprecated in the collector (invert_match); still its default behaviour. */
  InvertSampled: 6,
  /** Deprecated in the collector (invert_match); still its default behaviour. */
  InvertNotSampled: 7,
} as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

/** What a policy reads. */
export interface TraceView {
  /** 16 bytes. */
  readonly traceId: Uint8Array;
  /** Spans received for the trace so far (all batches). */
  readonly spanCount: number;
  /**
   * The protobuf size of the trace as the collector counts it for bytes_limiting:
   * one ResourceSpans per received batch, each with its field tag and length.
   */
  readonly wireBytes: number;
  /**
   * Walks the trace in arrival order, as the collector's ReceivedBatches: for each
   * group of spans received together, its resource (if `onResource`), then its
   * spans, read from the held bytes without decoding them. Stops and returns true
   * as soon as a callback returns true.
   */
  visit(onResource: ((r: Resource) => boolean) | undefined, onSpan: (s: WireSpan) => boolean): boolean;
  /** The whole trace decoded (on first access), for policies that need span objects. Do not modify it. */
  readonly data: TracesData;
}

export interface Evaluator {
  /** Throws when the policy cannot decide (an evaluation error, counted and logged). */
  evaluate(trace: TraceView): Decision;
}
