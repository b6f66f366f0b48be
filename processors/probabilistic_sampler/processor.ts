// Drops the spans or log records the sampler does not keep, item by item;
// resource and scope entries left empty go too, and nothing is forwarded when
// nothing is left (the collector's ErrSkipProcessingData). Sampled items carry
// the sampling threshold they passed (and the randomness used) in their
// tracestate or attributes.
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import type { ProbabilisticSamplerConfig } from './config.js';
import { SamplerError } from './consistent.js';
import { logPriority, logRandomness } from './logs.js';
import { makeSampler, type Outcome, type Sampler, shouldSampleItem } from './sampler.js';
import { spanPriority, spanRandomness } from './spans.js';

const P = 'otelcol_processor_probabilistic_sampler_';

export class ProbabilisticSamplerProcessor<S extends Signal> implements Processor<S> {
  private readonly sampler: Sampler;
  private readonly counts = new Map<string, number>();
  private readonly counter;
  private lastInfo = 0;

  constructor(
    private readonly cfg: ProbabilisticSamplerConfig,
    private readonly signal: S,
    private readonly next: Consumer<S>,
    private readonly logger: Logger,
    metrics: SelfMetrics,
    private readonly id: string,
  ) {
    this.sampler = makeSampler(cfg);
    this.counter =
      signal === 'logs'
        ? metrics.counter(`${P}count_logs_sampled_total`, 'Count of logs that were sampled or not', [
            'processor',
            'policy',
            'sampled',
          ])
        : metrics.counter(`${P}count_traces_sampled_total`, 'Count of spans that were sampled or not', [
            'processor',
            'policy',
            'sampled',
          ]);
  }

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    const left = this.signal === 'logs' ? this.logs(data as LogsData) : this.traces(data as TracesData);
    this.flushCounts();
    return left ? this.next.consume(data, ctx) : Promise.resolve();
  }

  private traces(data: TracesData): boolean {
    const fc = this.cfg.fail_closed;
    data.resourceSpans = data.resourceSpans.filter((rs) => {
      rs.scopeSpans = rs.scopeSpans.filter((ss) => {
        ss.spans = ss.spans.filter((span) =>
          this.note(
            shouldSampleItem(this.sampler, fc, spanRandomness(this.sampler, span), (rnd, th) =>
              spanPriority(span, rnd, th),
            ),
            'traces sampler',
          ),
        );
        return ss.spans.length > 0;
      });
      return rs.scopeSpans.length > 0;
    });
    return data.resourceSpans.length > 0;
  }

  private logs(data: LogsData): boolean {
    const fc = this.cfg.fail_closed;
    const priority = logPriority(this.cfg.sampling_priority, this.cfg.sampling_precision);
    data.resourceLogs = data.resourceLogs.filter((rl) => {
      rl.scopeLogs = rl.scopeLogs.filter((sl) => {
        sl.logRecords = sl.logRecords.filter((rec) =>
          this.note(
            shouldSampleItem(this.sampler, fc, logRandomness(this.sampler, rec), (rnd, th) =>
              priority(rec, rnd, th),
            ),
            'logs sampler',
          ),
        );
        return sl.logRecords.length > 0;
      });
      return rl.scopeLogs.length > 0;
    });
    return data.resourceLogs.length > 0;
  }

  /** Counts the outcome and logs its error: ordinary ones at debug, the rest at info (at most every 10 s). */
  private note(o: Outcome, what: string): boolean {
    const k = `${o.policy}\0${o.sampled}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (o.error) {
      if (o.error instanceof SamplerError) this.logger.debug({ err: o.error.message }, what);
      else {
        const now = Date.now();
        if (now - this.lastInfo >= 10_000) {
          this.lastInfo = now;
          this.logger.info({ err: o.error.message }, what);
        }
      }
    }
    return o.sampled;
  }

  private flushCounts(): void {
    for (const [k, n] of this.counts) {
      const [policy, sampled] = k.split('\0');
      this.counter.inc({ processor: this.id, policy, sampled }, n);
    }
    this.counts.clear();
  }
}
