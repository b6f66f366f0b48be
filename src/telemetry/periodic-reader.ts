// Pushes the own metrics over OTLP every `interval`
// (service.telemetry.metrics.readers[].periodic), as the collector's internal
// telemetry does: http/protobuf (POST to the endpoint URL) or grpc
// (MetricsService/Export). A failing backend is logged (when it starts
// failing, then at most once a minute) and never stops the process; the last
// push happens at shutdown so the final counts are not lost.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import { credentials, Client as GrpcClient, Metadata } from '@grpc/grpc-js';
import { encodeMetrics } from '../codec/otlp-proto.js';
import type { PeriodicReaderConfig } from '../config/telemetry.js';
import type { Logger } from './logger.js';
import { OtlpMetricsConverter } from './otlp-metrics.js';
import type { SelfMetrics } from './self-metrics.js';

const EXPORT_METHOD = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
/** A backend's answer is read up to this size (enough for an error message). */
const MAX_RESPONSE_BYTES = 64 * 1024;
const FAILURE_LOG_INTERVAL_MS = 60_000;

export interface OwnResource {
  attributes: Record<string, string>;
  removed: readonly string[];
  schemaUrl?: string;
}

/** service.name/version/instance.id as the collector sets them, then the config's attributes. */
export function ownResourceAttributes(
  build: { name: string; version: string },
  r: OwnResource,
): Record<string, string> {
  const attrs: Record<string, string> = {
    'service.name': build.name,
    'service.version': build.version,
    'service.instance.id': randomUUID(),
    ...r.attributes,
  };
  for (const k of r.removed) delete attrs[k];
  return attrs;
}

export class PeriodicMetricsReader {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly converter: OtlpMetricsConverter;
  private grpc: GrpcClient | undefined;
  private failingSince: number | undefined;
  private lastFailureLog = 0;
  private failures = 0;
  private started = false;
  /** Successful exports (tests and status). */
  exported = 0;

  constructor(
    private readonly cfg: PeriodicReaderConfig,
    private readonly metrics: SelfMetrics,
    resource: { attributes: Record<string, string>; schemaUrl?: string },
    private readonly logger: Logger,
    build: { name: string; version: string },
  ) {
    this.converter = new OtlpMetricsConverter(cfg.temporality, resource, {
      name: build.name,
      version: build.version,
    });
  }

  start(): void {
    this.started = true;
    if (this.cfg.protocol === 'grpc') {
      const read = (f?: string) => (f ? readFileSync(f) : undefined);
      const creds = this.cfg.insecure
        ? credentials.createInsecure()
        : credentials.createSsl(
            read(this.cfg.caFile) ?? null,
            read(this.cfg.keyFile) ?? null,
            read(this.cfg.certFile) ?? null,
          );
      this.grpc = new GrpcClient(this.cfg.endpoint, creds, {
        ...(this.cfg.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {}),
      });
    }
    this.timer = setInterval(() => this.tick(), this.cfg.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.inFlight) return; // the previous export is still running: skip, never pile up
    this.inFlight = this.exportOnce().finally(() => {
      this.inFlight = undefined;
    });
  }

  /** One export; resolves either way (failures are logged). */
  async exportOnce(): Promise<void> {
    try {
      const data = await this.converter.collect(this.metrics.registry);
      const body = encodeMetrics(data);
      if (this.cfg.protocol === 'grpc') await this.sendGrpc(body);
      else await this.sendHttp(body);
      this.exported++;
      if (this.failingSince !== undefined)
        this.logger.info({ endpoint: this.cfg.endpoint }, 'Exporting own metrics works again');
      this.failingSince = undefined;
      this.failures = 0;
    } catch (e) {
      this.failures++;
      const now = Date.now();
      if (this.failingSince === undefined || now - this.lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
        this.logger.warn(
          { endpoint: this.cfg.endpoint, error: (e as Error).message, failures: this.failures },
          'Failed to export own metrics over OTLP',
        );
        this.lastFailureLog = now;
      }
      this.failingSince ??= now;
    }
  }

  private sendHttp(body: Uint8Array): Promise<void> {
    const url = new URL(this.cfg.endpoint);
    const gzip = this.cfg.compression === 'gzip';
    const payload = gzip ? gzipSync(body) : body;
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      'content-type': 'application/x-protobuf',
      'content-length': String(payload.length),
    };
    if (gzip) headers['content-encoding'] = 'gzip';
    const read = (f?: string) => (f ? readFileSync(f) : undefined);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers,
          signal: AbortSignal.timeout(this.cfg.timeoutMs),
          ...(url.protocol === 'https:'
            ? { ca: read(this.cfg.caFile), cert: read(this.cfg.certFile), key: read(this.cfg.keyFile) }
            : {}),
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            if (text.length < MAX_RESPONSE_BYTES) text += chunk.subarray(0, MAX_RESPONSE_BYTES - text.length);
            else res.destroy(); // enough of an answer: never read a huge body
          });
          res.on('close', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`));
          });
          res.on('error', () => {});
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private sendGrpc(body: Uint8Array): Promise<void> {
    const client = this.grpc!;
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(this.cfg.headers)) metadata.set(k.toLowerCase(), v);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        EXPORT_METHOD,
        (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
        (b: Buffer) => b,
        body,
        metadata,
        { deadline: Date.now() + this.cfg.timeoutMs },
        (err) => (err ? reject(new Error(err.message)) : resolve()),
      );
    });
  }

  /** Stops the timer and pushes one last time (bounded by the export timeout). */
  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.started) return;
    this.started = false;
    await this.inFlight;
    await this.exportOnce();
    this.grpc?.close();
  }
}
