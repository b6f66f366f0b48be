// Batching where data is already accepted (DESIGN.md "Accepting is fast").
// A `batch` processor does not hold its senders' answers until its timer
// fires: it asks the stages after it to merge the data in their own queue
// (the exporter's sending queue, in memory or on disk), which accepts each
// request at once. Only when some stage after it cannot (an exporter whose
// queue is disabled) does the processor batch by itself, and then answers
// wait for the batch, as that exporter's own answers would.

export type FlushTrigger = 'size' | 'timeout';

/** The batch shape a processor asks for: the collector's batch processor settings, in items. */
export interface BatchingRequest {
  /** Items that make a batch worth sending (a trigger, not a cap). */
  minSize: number;
  /** Largest batch in items; 0 = no cap. Larger requests are split. */
  maxSize: number;
  /** Longest a partial batch waits for more data; 0 = send what is queued at once. */
  flushTimeoutMs: number;
  /** Told about every batch sent with this shape (the processor's own batch-size metrics). */
  onFlush?(items: number, trigger: FlushTrigger): void;
}

/** What a processor can ask of the stages after it in its pipeline. */
export interface Downstream {
  /**
   * Asks every stage after this processor to merge what it accepts into
   * batches of this shape: the exporters at the end of its pipeline and,
   * through a pass-through connector (forward, routing), the exporters of the
   * pipelines it feeds; an aggregating connector (count, span_metrics) accepts
   * at once by itself and says yes. True when all of them will (or need no batching):
   * the processor may then pass data through and let the answer be theirs.
   * False when at least one cannot; some may have taken the request anyway.
   */
  requestBatching(req: BatchingRequest): boolean;
}
