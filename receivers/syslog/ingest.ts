// What both transports share: the operator chain (the syslog parser the
// config describes, then the user's `operators`), turning entries into OTLP
// logs, and handing them to the pipeline. A throttled refusal (memory_limiter,
// a full exporter queue) is backpressure, not a failure: the batch is retried
// after the delay the pipeline names, and meanwhile a TCP connection does not
// read. Other refusals follow the collector's retry_on_failure (disabled:
// dropped; enabled: retried with backoff until max_elapsed_time, 0 = forever).
// Every dropped record is counted (otelcol_receiver_refused_log_records_total)
// and logged, at most one line per 10 s.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentSettings } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { ConsumerError, errorMessage, isRetryable } from '../../src/component/errors.js';
import { type Entry, newEntry } from '../../src/stanza/entry.js';
import { syslogParserOperator } from '../../src/stanza/operators/syslog-parser.js';
import { buildPipeline, type OperatorPipeline } from '../../src/stanza/pipeline.js';
import { entriesToLogs } from '../../src/stanza/to-pdata.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { SyslogReceiverConfig } from './config.js';

/** Logs the first of a burst of similar events, then one line per window with the count suppressed. */
export class RateLimitedLog {
  private last = -Infinity;
  private suppressed = 0;
  constructor(
    private readonly logger: Logger,
    private readonly level: 'warn' | 'error',
    private readonly windowMs = 10_000,
  ) {}
  log(fields: Record<string, unknown>, msg: string): void {
    const now = performance.now();
    if (now - this.last < this.windowMs) {
      this.suppressed++;
      return;
    }
    this.last = now;
    const extra = this.suppressed > 0 ? { suppressed_since_last: this.suppressed } : {};
    this.suppressed = 0;
    this.logger[this.level]({ ...fields, ...extra }, msg);
  }
}

export class Ingest {
  private readonly pipeline: OperatorPipeline;
  private target: Entry[] | undefined;
  /** Entries released later by stateful operators (recombine), sent by flushHeld(). */
  private held: Entry[] = [];
  private readonly refusedLog: RateLimitedLog;
  private readonly operatorErrors;
  stopping = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: SyslogReceiverConfig,
    private readonly next: Consumer<'logs'>,
  ) {
    this.refusedLog = new RateLimitedLog(settings.logger, 'error');
    this.operatorErrors = settings.metrics.counter(
      'tsunagi_stanza_operator_errors_total',
      'Entries an operator failed on.',
      ['receiver', 'operator'],
    );
    // the collector's syslog input: its syslog parser (id <input>_internal_parser), then the operators
    const parserCfg = syslogParserOperator.schema.parse({
      type: 'syslog_parser',
      id: 'syslog_internal_parser',
      protocol: cfg.protocol,
      location: cfg.location,
      enable_octet_counting: cfg.enable_octet_counting,
      allow_skip_pri_header: cfg.allow_skip_pri_header,
      non_transparent_framing_trailer: cfg.non_transparent_framing_trailer,
      max_octets: cfg.max_octets,
      on_error: cfg.on_error ?? 'send',
    });
    this.pipeline = buildPipeline(
      [{ ...parserCfg, framesComplete: cfg.tcp !== undefined } as Record<string, unknown>, ...cfg.operators],
      {
        logger: settings.logger,
        onOperatorError: (operator) => this.operatorErrors.inc({ receiver: settings.id, operator }),
      },
      (e) => (this.target ?? this.held).push(e),
    );
  }

  /** Runs one token's text through the operators; what comes out is appended to `into`. */
  process(body: string, observed: bigint, attributes: Record<string, unknown>, into: Entry[]): void {
    const e = newEntry(body, observed);
    e.attributes = attributes;
    this.target = into;
    try {
      this.pipeline.process(e);
    } finally {
      this.target = undefined;
    }
  }

  /** Releases entries stateful operators hold past their flush period (all of them when `force`). */
  takeHeld(force: boolean): Entry[] {
    this.pipeline.flush(Date.now(), force);
    const out = this.held;
    this.held = [];
    return out;
  }

  /**
   * Hands a batch to the pipeline; resolves when it was accepted or dropped
   * (never rejects). Retries while retry_on_failure says so.
   */
  async deliver(entries: Entry[], metrics: ReceiverMetrics): Promise<void> {
    if (entries.length === 0) return;
    const data = entriesToLogs(entries, this.cfg.resource);
    const n = entries.length;
    const rc = this.cfg.retry_on_failure;
    const started = Date.now();
    let delay = rc.initial_interval;
    for (;;) {
      try {
        await this.next.consume(data);
        metrics.accepted('logs', n);
        return;
      } catch (err) {
        const throttled = err instanceof ConsumerError && err.throttled;
        const retry =
          !this.stopping &&
          isRetryable(err) &&
          (throttled ||
            (rc.enabled && (rc.max_elapsed_time === 0 || Date.now() - started < rc.max_elapsed_time)));
        if (!retry) {
          metrics.refused('logs', n);
          this.refusedLog.log(
            { err: errorMessage(err), records: n, retry_on_failure: rc.enabled },
            'syslog records refused by the pipeline; dropping them',
          );
          return;
        }
        const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
        const wait = retryAfter ?? (rc.enabled ? delay : 1000) * (0.8 + Math.random() * 0.4);
        delay = Math.min(delay * 1.5, rc.max_interval);
        try {
          await sleep(wait, undefined, { signal: this.abort.signal });
        } catch {
          // stopping: the next attempt is the last
        }
      }
    }
  }

  /** Stops retrying (a batch being retried gets one last attempt). */
  stop(): void {
    this.stopping = true;
    this.abort.abort();
  }

  get logger(): Logger {
    return this.settings.logger;
  }
}
