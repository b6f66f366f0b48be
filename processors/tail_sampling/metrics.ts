// Self-telemetry with the collector's names (tailsamplingprocessor
// documentation.md), Prometheus style (`_total` on counters). The `policy`
// label is "<processor name>.<policy name>" for a named processor, as upstream.
import { Gauge } from 'prom-client';
import type { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { Decision } from './policies/types.js';

const P = 'otelcol_processor_tail_sampling_';

export const decisionLabels = (d: Decision): { sampled: string; decision: string } =>
  d === Decision.Sampled || d === Decision.InvertSampled
    ? { sampled: 'true', decision: 'sampled' }
    : d === Decision.Dropped
      ? { sampled: 'false', decision: 'dropped' }
      : { sampled: 'false', decision: 'not_sampled' };

export class TailSamplingMetrics {
  readonly countTracesSampled;
  readonly countSpansSampled;
  readonly globalCountTracesSampled;
  readonly droppedTooEarly;
  readonly newTraceIdReceived;
  readonly evaluationError;
  readonly earlyReleasesFromCache;
  readonly droppedTooLarge;
  readonly forwardFailedSpans;

  constructor(
    m: SelfMetrics,
    readonly processor: string,
    observe: { tracesOnMemory: () => number; bytesHeld: () => number },
  ) {
    this.countTracesSampled = m.counter(
      `${P}count_traces_sampled_total`,
      'Count of traces that were sampled or not per sampling policy',
      ['processor', 'policy', 'sampled', 'decision'],
    );
    this.countSpansSampled = m.counter(
      `${P}count_spans_sampled_total`,
      'Count of spans that were sampled or not per sampling policy',
      ['processor', 'policy', 'sampled', 'decision'],
    );
    this.globalCountTracesSampled = m.counter(
      `${P}global_count_traces_sampled_total`,
      'Global count of traces that were sampled or not by at least one policy',
      ['processor', 'sampled', 'decision'],
    );
    this.droppedTooEarly = m.counter(
      `${P}sampling_trace_dropped_too_early_total`,
      'Count of traces that needed to be dropped before the configured wait time',
      ['processor'],
    );
    this.newTraceIdReceived = m.counter(
      `${P}new_trace_id_received_total`,
      'Counts the arrival of new traces',
      ['processor'],
    );
    this.evaluationError = m.counter(
      `${P}sampling_policy_evaluation_error_total`,
      'Count of sampling policy evaluation errors',
      ['processor', 'policy'],
    );
    this.earlyReleasesFromCache = m.counter(
      `${P}early_releases_from_cache_decision_total`,
      'Number of spans that were able to be immediately released due to a decision cache hit.',
      ['processor', 'sampled'],
    );
    this.droppedTooLarge = m.counter(
      `${P}traces_dropped_too_large_total`,
      'Count of traces that were dropped because they exceeded maximum_trace_size_bytes',
      ['processor'],
    );
    this.forwardFailedSpans = m.counter(
      'tsunagi_processor_tail_sampling_forward_failed_spans_total',
      'Sampled spans the next consumer refused (logged and dropped: the senders were already answered)',
      ['processor'],
    );
    gauge(
      m,
      `${P}sampling_traces_on_memory`,
      'Tracks the number of traces current on memory',
      processor,
      observe.tracesOnMemory,
    );
    gauge(
      m,
      'tsunagi_processor_tail_sampling_held_bytes',
      'Bytes of chunk memory holding spans that await a decision',
      processor,
      observe.bytesHeld,
    );
  }
}

type Reads = Map<string, Set<() => number>>;
const observers = new WeakMap<SelfMetrics, Map<string, Reads>>();

/**
 * A gauge per name, read at scrape time; a processor in several pipelines (one
 * instance each) reports the sum of its instances.
 */
function gauge(m: SelfMetrics, name: string, help: string, processor: string, read: () => number): void {
  let byName = observers.get(m);
  if (!byName) {
    byName = new Map();
    observers.set(m, byName);
  }
  let reads = byName.get(name);
  if (!reads) {
    const r: Reads = new Map();
    reads = r;
    byName.set(name, r);
    new Gauge({
      name,
      help,
      labelNames: ['processor'],
      registers: [m.registry],
      collect() {
        this.reset();
        for (const [p, fs] of r) {
          let sum = 0;
          for (const f of fs) sum += f();
          this.set({ processor: p }, sum);
        }
      },
    });
  }
  let set = reads.get(processor);
  if (!set) {
    set = new Set();
    reads.set(processor, set);
  }
  set.add(read);
}
