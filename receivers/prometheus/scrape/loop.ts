// One target's scrape loop (Prometheus scrape/scrape.go scrapeLoop): scrapes
// at a fixed phase of the interval, never two at once; a failed scrape (HTTP
// error, timeout, bad exposition, a limit) gives up=0, staleness markers for
// the last scrape's series and a logged reason, and the loop goes on. Each
// scrape's metrics go to the pipeline in one consume(); a refusal is counted
// and logged, and the next scrape happens on time.

import type { Consumer } from '../../../src/component/consumer.js';
import { errorMessage } from '../../../src/component/errors.js';
import { countMetricPoints } from '../../../src/pdata/count.js';
import type { Logger } from '../../../src/telemetry/logger.js';
import type { ReceiverMetrics } from '../../../src/telemetry/self-metrics.js';
import { ExpositionStream } from '../exposition/parser.js';
import type { ScrapeConfig } from '../promconfig/schema.js';
import {
  type ScrapeStats,
  type SeriesOptions,
  TargetSeries,
  type Touched,
} from '../translate/target-series.js';
import { type BuildOptions, buildMetrics, StartTimeMissingError } from '../translate/to-otlp.js';
import { acceptHeader, formatFor } from './accept.js';
import type { ScrapeHttpClient } from './http-client.js';
import { scrapeOffsetMs } from './offset.js';
import type { Target } from './target.js';

export interface LoopContext {
  cfg: ScrapeConfig;
  client: ScrapeHttpClient;
  consumer: Consumer<'metrics'>;
  logger: Logger;
  metrics: ReceiverMetrics;
  build: BuildOptions;
  series: SeriesOptions;
  offsetSeed: number;
  /** When set, scrapes fail with this reason without fetching (target_limit exceeded). */
  forcedError?: () => string | undefined;
}

/** How often a target that keeps failing logs again (the first failure and recovery always log). */
const REPEAT_LOG_MS = 60_000;

export class ScrapeLoop {
  readonly series: TargetSeries;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopped = false;
  private nextAtMs = 0;
  private lastScrapeMs = 0;
  private failing: string | undefined;
  private lastFailLogMs = 0;
  /** Scrapes done (tests). */
  scrapes = 0;
  lastError: string | undefined;
  readonly accept: string;

  constructor(
    readonly target: Target,
    private readonly ctx: LoopContext,
  ) {
    this.series = new TargetSeries({ labels: target.labels, discovered: target.discovered }, ctx.series);
    this.accept = acceptHeader(ctx.cfg.scrapeProtocols);
  }

  start(): void {
    const now = Date.now();
    const offset = scrapeOffsetMs(this.target.key, this.ctx.offsetSeed, this.target.intervalMs, now);
    this.nextAtMs = now + offset;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = Date.now();
    // a slow scrape or pipeline skips ticks rather than scraping twice in a row (Go's ticker)
    while (this.nextAtMs <= now - 5) this.nextAtMs += this.target.intervalMs;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.running = this.scrapeOnce().finally(() => {
          this.running = undefined;
          this.nextAtMs += this.target.intervalMs;
          this.schedule();
        });
      },
      Math.max(0, this.nextAtMs - now),
    );
  }

  /**
   * Stops scraping. With `staleness` (the target went away), after the time
   * Prometheus waits for the target to come back (two intervals and 10 %), its
   * series get staleness markers stamped at the first missed scrape.
   */
  async stop(staleness: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!staleness) this.abort.abort();
    await this.running;
    if (!staleness || this.lastScrapeMs === 0 || this.abort.signal.aborted) return;
    const interval = this.target.intervalMs;
    const staleMs = this.nextAtMs;
    const waitMs = Math.max(0, staleMs + interval + interval / 10 - Date.now());
    const waited = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(true), waitMs);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (!waited) return;
    await this.deliver(this.series.endOfRun(staleMs), 'end of run');
  }

  /** Cancels a pending end-of-run (receiver shutdown: no markers, like Prometheus). */
  cancel(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }

  /** Runs one scrape now (tests drive loops by hand with this). */
  async scrapeOnce(): Promise<void> {
    const startMs = Date.now();
    const t0 = performance.now();
    this.lastScrapeMs = startMs;
    let stats: ScrapeStats | undefined;
    let touched: Touched | undefined;
    let error: string | undefined = this.ctx.forcedError?.();
    let bodyBytes = 0;
    if (error === undefined) {
      try {
        const r = await this.fetchAndAppend(startMs);
        bodyBytes = r.bodyBytes;
        stats = r.stats;
        touched = r.touched;
        error = r.error;
      } catch (err) {
        if (this.abort.signal.aborted && this.stopped) return;
        error = errorMessage(err);
      }
    }
    if (error !== undefined) touched = this.series.fail(startMs);
    const cfg = this.ctx.cfg;
    this.series.report(
      startMs,
      {
        up: error === undefined,
        durationSeconds: (performance.now() - t0) / 1000,
        extra: cfg.extraScrapeMetrics
          ? {
              timeoutSeconds: this.target.timeoutMs / 1000,
              sampleLimit: cfg.sampleLimit,
              bodySizeBytes: bodyBytes,
            }
          : undefined,
      },
      stats,
    );
    this.scrapes++;
    this.noteHealth(error);
    await this.deliver(touched as Touched, 'scrape');
  }

  /**
   * Fetches, parses and appends one scrape. Its own function so that the body
   * and the parsed exposition are garbage before the OTLP is built and sent.
   */
  private async fetchAndAppend(startMs: number): Promise<{
    bodyBytes: number;
    stats: ScrapeStats | undefined;
    touched: Touched | undefined;
    error: string | undefined;
  }> {
    // the body is parsed as it arrives; a parse error stops the parsing, not the reading
    // (scrape_body_size_bytes is the whole body's size, as Prometheus reports it)
    let stream: ExpositionStream | undefined;
    let parseError: unknown;
    const res = await this.ctx.client.scrape(
      this.target.url,
      this.accept,
      this.target.timeoutMs,
      this.abort.signal,
      (contentType) => {
        const s = new ExpositionStream(
          formatFor(contentType, this.ctx.cfg.fallbackProtocol),
          this.series.lastKeys,
        );
        stream = s;
        return (chunk) => {
          if (parseError !== undefined) return;
          try {
            s.write(chunk);
          } catch (err) {
            parseError = err;
          }
        };
      },
    );
    let r: ReturnType<TargetSeries['append']>;
    try {
      if (parseError !== undefined) throw parseError;
      r = this.series.append((stream as ExpositionStream).end(), startMs);
    } catch (err) {
      // a bad exposition: the body's size is still reported
      return { bodyBytes: res.bytes, stats: undefined, touched: undefined, error: errorMessage(err) };
    }
    return r.ok
      ? { bodyBytes: res.bytes, stats: r.stats, touched: r.touched, error: undefined }
      : { bodyBytes: res.bytes, stats: r.stats, touched: undefined, error: r.error };
  }

  private noteHealth(error: string | undefined): void {
    const log = this.ctx.logger;
    const fields = { scrape_pool: this.ctx.cfg.jobName, target: this.target.url };
    this.lastError = error;
    if (error === undefined) {
      if (this.failing !== undefined) log.info(fields, 'Prometheus target is up again');
      this.failing = undefined;
      return;
    }
    const now = Date.now();
    if (this.failing !== error || now - this.lastFailLogMs >= REPEAT_LOG_MS) {
      this.lastFailLogMs = now;
      log.warn({ ...fields, error }, 'Failed to scrape Prometheus endpoint');
    }
    this.failing = error;
  }

  private async deliver(touched: Touched, what: string): Promise<void> {
    let md: ReturnType<typeof buildMetrics>;
    try {
      md = buildMetrics(touched, this.series, this.target.discovered, this.ctx.build);
    } catch (err) {
      if (!(err instanceof StartTimeMissingError)) throw err;
      this.ctx.logger.warn({ target: this.target.url, error: err.message }, 'Dropping the scrape');
      return;
    }
    const points = countMetricPoints(md);
    if (points === 0) return;
    try {
      await this.ctx.consumer.consume(md);
      this.ctx.metrics.accepted('metrics', points);
    } catch (err) {
      this.ctx.metrics.refused('metrics', points);
      this.ctx.logger.warn(
        { target: this.target.url, data_points: points, error: errorMessage(err), during: what },
        'The pipeline refused the scraped metrics',
      );
    }
  }
}
