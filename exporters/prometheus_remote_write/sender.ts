// The remote write exporter's two halves around the exporter helper's queue.
// convert(): when an OTLP request is queued, it is translated and encoded in
// one pass into snappy WriteRequests cut at max_batch_size_bytes
// (write-request-encoder.ts); the queue holds those bytes. send(): each
// request is pushed (the remote write 1.0 headers) with up to
// max_batch_request_parallelism (else num_consumers) in flight. Like the
// collector, each request is retried on its own (5xx, 429, network errors) with
// retry_on_failure's backoff; any other answer — a 400 for out-of-order or
// duplicate samples — is final: counted and logged, not retried.
import type { Dispatcher, Pool } from 'undici';
import type { ComponentSettings } from '../../src/component/component.js';
import { errorMessage, permanentError, retryableError } from '../../src/component/errors.js';
import { sleep } from '../../src/exporterhelper/backoff.js';
import { createPool } from '../../src/exporterhelper/http-pool.js';
import {
  ExponentialBackoff,
  type RequestConverter,
  type RequestSendFunctions,
} from '../../src/exporterhelper/index.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { MetricsData } from '../../src/pdata/types.js';
import { normalizeLabel } from '../../src/translator/prometheus/normalize-name.js';
import { httpSettings, type PrometheusRemoteWriteConfig, RESERVED_HEADERS, withSuffixes } from './config.js';
import {
  mergeRemoteWriteRequests,
  type RemoteWritePart,
  type RemoteWriteRequest,
  remoteWriteRequest,
} from './request.js';
import { WriteRequestEncoder } from './write-request-encoder.js';

type Outcome =
  | { kind: 'ok' }
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; message: string; status?: number };

export class RemoteWriteSender
  implements RequestConverter<RemoteWriteRequest>, RequestSendFunctions<RemoteWriteRequest>
{
  private pool: Pool | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly encoder: WriteRequestEncoder;
  private readonly parallelism: number;
  private readonly timeoutMs: number;
  private readonly http: ReturnType<typeof httpSettings>;
  private readonly stop = new AbortController();
  private readonly failedTranslations;
  private readonly translatedSeries;

  constructor(
    private readonly set: ComponentSettings,
    private readonly cfg: PrometheusRemoteWriteConfig,
  ) {
    this.http = httpSettings(cfg);
    const url = new URL(this.http.endpoint);
    this.origin = url.origin;
    this.path = (url.pathname || '/') + url.search;
    const user: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.http.headers))
      if (!RESERVED_HEADERS.includes(k.toLowerCase())) user[k.toLowerCase()] = v;
    this.headers = {
      ...user,
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'user-agent': 'tsunagi',
      'x-prometheus-remote-write-version': '0.1.0',
    };
    this.timeoutMs = this.http.timeout;
    this.parallelism = Math.max(
      1,
      cfg.max_batch_request_parallelism ?? (cfg.remote_write_queue.num_consumers || 1),
    );
    const extra: [string, string][] = Object.entries(cfg.external_labels).map(([k, v]) => [
      k.startsWith('__') ? k : normalizeLabel(k),
      v,
    ]);
    this.encoder = new WriteRequestEncoder({
      namespace: cfg.namespace,
      addMetricSuffixes: withSuffixes(cfg),
      targetInfo: cfg.target_info.enabled,
      resourceToTelemetry: cfg.resource_to_telemetry_conversion,
      scopeLabels: !cfg.disable_scope_info,
      emptyScopeLabels: false,
      extraLabels: extra,
      maxBytes: cfg.max_batch_size_bytes,
      sendMetadata: cfg.send_metadata,
    });
    this.failedTranslations = set.metrics.counter(
      'otelcol_exporter_prometheusremotewrite_failed_translations_total',
      'Number of translation operations that failed to translate metrics from Otel to Prometheus',
      ['exporter'],
    );
    this.translatedSeries = set.metrics.counter(
      'otelcol_exporter_prometheusremotewrite_translated_time_series_total',
      'Number of Prometheus time series that were translated from OTel metrics',
      ['exporter'],
    );
  }

  async start(): Promise<void> {
    this.pool = await createPool(
      this.origin,
      this.http.tls,
      Math.max(this.http.connections, this.parallelism),
    );
  }

  async shutdown(): Promise<void> {
    this.stop.abort();
    await this.pool?.close();
    this.pool = undefined;
  }

  /**
   * In consume(), before the answer: the OTLP request becomes its remote write
   * requests (what the queue keeps). Points that cannot be written are counted
   * and logged here, and as send_failed when the request is sent.
   */
  convert<S extends Signal>(_signal: S, data: SignalDataMap[S], items: number): RemoteWriteRequest {
    const t = this.encoder.encode(data as MetricsData);
    this.translatedSeries.inc({ exporter: this.set.id }, t.series);
    if (t.dropped > 0) {
      this.failedTranslations.inc({ exporter: this.set.id });
      this.set.logger.warn(
        { dropped: t.dropped, reasons: t.reasons },
        `prometheus_remote_write: ${t.dropped} data points cannot be written and are dropped: ${t.reasons[0]}`,
      );
    }
    return remoteWriteRequest({ ...t, points: items });
  }

  merge(requests: RemoteWriteRequest[]): RemoteWriteRequest {
    return mergeRemoteWriteRequests(requests);
  }

  async send<S extends Signal>(_signal: S, request: RemoteWriteRequest): Promise<void> {
    // Parts one after the other: a series in two of them must arrive in their order.
    let rejected = 0;
    let firstFailure: string | undefined;
    for (const part of request.parts) {
      const failure = await this.sendPart(part);
      rejected += failure.rejected;
      firstFailure ??= failure.message;
    }
    if (rejected > 0)
      throw permanentError(`prometheus_remote_write: ${firstFailure}`, { rejectedItems: rejected });
  }

  /** One OTLP request's bodies, in parallel; the points they failed (in proportion of their samples). */
  private async sendPart(part: RemoteWritePart): Promise<{ rejected: number; message?: string }> {
    const total = part.points;
    // Data points are counted per request in proportion to its samples (a point becomes several samples).
    const perSample = part.sampleCount > 0 ? (total - part.dropped) / part.sampleCount : 0;
    let failedPoints = 0;
    const reasons: string[] = [];
    let retryFailure: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < part.bodies.length) {
        const i = next++;
        const out = await this.pushWithRetry(part.bodies[i]);
        if (out.kind === 'ok') continue;
        failedPoints += Math.round(part.samples[i] * perSample);
        if (reasons.length < 3) reasons.push(out.message);
        if (out.kind === 'retry') retryFailure ??= out.message;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, part.bodies.length) }, worker));
    const rejected = Math.min(total, failedPoints + part.dropped);
    if (failedPoints > 0)
      this.set.logger.warn(
        { rejected: failedPoints, reasons },
        `prometheus_remote_write: ${failedPoints} data points not accepted by the endpoint: ${reasons[0]}`,
      );
    if (rejected === 0) return { rejected };
    return {
      rejected,
      message: retryFailure ? `no more retries left: ${retryFailure}` : (reasons[0] ?? part.reasons[0]),
    };
  }

  /** One request until accepted, refused for good, or retry_on_failure gives up. */
  private async pushWithRetry(body: Buffer): Promise<Outcome> {
    const retry = this.cfg.retry_on_failure;
    let backoff: ExponentialBackoff | undefined;
    for (;;) {
      const out = await this.push(body);
      if (out.kind !== 'retry' || !retry.enabled) return out;
      backoff ??= new ExponentialBackoff(retry);
      let delay = backoff.next();
      if (delay === undefined) return out;
      if (out.retryAfterMs !== undefined && out.retryAfterMs > delay) {
        if (!backoff.allows(out.retryAfterMs)) return out;
        delay = out.retryAfterMs;
      }
      this.set.logger.info(
        { error: out.message, interval: `${Math.round(delay)}ms` },
        'Exporting failed. Will retry the request after interval.',
      );
      if (!(await sleep(delay, this.stop.signal))) return out;
    }
  }

  private async push(body: Buffer): Promise<Outcome> {
    if (!this.pool) throw retryableError('prometheus_remote_write exporter not started');
    let res: Dispatcher.ResponseData;
    const ac = new AbortController();
    const timer = this.timeoutMs > 0 ? setTimeout(() => ac.abort(), this.timeoutMs) : undefined;
    try {
      res = await this.pool.request({
        path: this.path,
        method: 'POST',
        headers: this.headers,
        body,
        signal: ac.signal,
      });
    } catch (err) {
      clearTimeout(timer);
      return {
        kind: 'retry',
        message: ac.signal.aborted
          ? `request timed out after ${this.timeoutMs}ms`
          : `remote write failed: ${errorMessage(err)}`,
      };
    }
    let text = '';
    try {
      text = (await res.body.text()).slice(0, 512);
    } catch {
      // The status decides.
    } finally {
      clearTimeout(timer);
    }
    return classify(res.statusCode, text.trim(), res.headers['retry-after']);
  }
}

/** 2xx accepted; 5xx and 429 retryable (Retry-After honoured); anything else final. */
export function classify(status: number, text: string, retryAfter: string | string[] | undefined): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const message = `remote write returned HTTP status ${status}${text ? `: ${text}` : ''}`;
  if ((status >= 500 && status < 600) || status === 429) {
    const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    let retryAfterMs: number | undefined;
    if (ra !== undefined) {
      const secs = Number(ra);
      if (Number.isFinite(secs)) retryAfterMs = secs * 1000;
      else {
        const at = Date.parse(ra);
        if (!Number.isNaN(at)) retryAfterMs = Math.max(0, at - Date.now());
      }
    }
    return { kind: 'retry', message, retryAfterMs };
  }
  return { kind: 'permanent', message, status };
}
