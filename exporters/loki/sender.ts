// The Loki send function the exporter helper calls: build requests (pure),
// push each (I/O), read each answer (classify). Retryable requests come back
// as one retryable error carrying just their records (`retryData`); records
// Loki can never accept are counted (`rejectedItems`) and logged with Loki's
// reason.
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { compressSync } from 'snappy';
import type { Dispatcher, Pool } from 'undici';
import type { ClientAuthenticator } from '../../src/component/auth.js';
import type { ComponentSettings, Host } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { errorMessage, permanentError, retryableError } from '../../src/component/errors.js';
import { clientAuthenticator } from '../../src/config/auth.js';
import { authHeaders } from '../../src/exporterhelper/client-auth.js';
import { endpointOf, withEndpointAuth } from '../../src/exporterhelper/endpoint.js';
import { createPool } from '../../src/exporterhelper/http-pool.js';
import type { SendFunctions } from '../../src/exporterhelper/index.js';
import { discardBody, readCappedText } from '../../src/exporterhelper/response-body.js';
import { OneAtATime } from '../../src/exporterhelper/time-slice.js';
import { countLogRecords } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LogsData } from '../../src/pdata/types.js';
import { type LokiEntry, type LokiRequest, LokiRequestBuilder } from './builder.js';
import { classifyStatus, type Outcome } from './classify.js';
import type { LokiConfig } from './config.js';
import { encodeJsonPush } from './encode-json.js';
import { EncodeScratch, encodePushRequest } from './encode-proto.js';
import { CardinalityGuard } from './labels.js';
import { type RecordRef, subsetLogs } from './subset.js';

const gzip = promisify(gzipCb);

interface Tally {
  failed: number;
  reasons: string[];
  retry: RecordRef[];
  retryAfterMs?: number;
  retryMessage?: string;
}

export class LokiSender implements SendFunctions {
  private pool: Pool | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly builder: LokiRequestBuilder;
  private readonly building = new OneAtATime();
  private readonly baseHeaders: Record<string, string>;
  /** Without the configured headers: what a client authenticator sees (confighttp order). */
  private readonly ownHeaders: Record<string, string>;
  /** `headers` (and URL credentials as Basic auth): set after the authenticator, they win. */
  private readonly configuredHeaders: Record<string, string>;
  private auth: ClientAuthenticator | undefined;
  /** The uncompressed push request is written here (compressed at once, so one is enough). */
  private readonly scratch = new EncodeScratch();

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: LokiConfig,
  ) {
    // credentials in the URL: sent as Basic auth, never printed (src/exporterhelper/endpoint.ts)
    const ep = endpointOf(cfg.endpoint);
    const url = ep.url;
    this.origin = url.origin;
    this.path = url.pathname === '/' || url.pathname === '' ? '/loki/api/v1/push' : url.pathname + url.search;
    const guard = new CardinalityGuard(cfg.labels.max_distinct_values, (attr, bound) =>
      settings.logger.warn(
        { attribute: attr, bound },
        `loki: attribute "${attr}" has more than ${bound} distinct values; it is no longer used as a label (kept as structured metadata / in the line)`,
      ),
    );
    this.builder = new LokiRequestBuilder(cfg, guard, cfg.encoding === 'protobuf');
    const json = cfg.encoding === 'json';
    this.ownHeaders = {
      'user-agent': 'tsunagi',
      'content-type': json ? 'application/json' : 'application/x-protobuf',
      ...(json && cfg.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
    };
    this.configuredHeaders = withEndpointAuth(lowerKeys(cfg.headers), ep);
    this.baseHeaders = { ...this.ownHeaders, ...this.configuredHeaders };
  }

  async start(host?: Host): Promise<void> {
    if (this.cfg.auth)
      this.auth = clientAuthenticator(host ?? { getExtension: () => undefined }, this.cfg.auth);
    this.pool = await createPool(this.origin, this.cfg.tls, this.cfg.max_conns_per_host);
  }

  async shutdown(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  async send<S extends Signal>(
    _signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void> {
    const logs = data as LogsData;
    // One batch built at a time (the build yields; see OneAtATime).
    const { requests, rejected } = await this.building.run(() => this.builder.build(logs, ctx));
    const t: Tally = { failed: rejected.length, reasons: [], retry: [] };
    for (const r of rejected) if (t.reasons.length < 5) t.reasons.push(r.reason);
    for (const req of requests) await this.pushSplitting(req, abort, t, ctx);

    if (t.failed > 0)
      this.settings.logger.warn(
        { rejected: t.failed, reasons: t.reasons },
        `loki: ${t.failed} log records rejected and not retried: ${t.reasons[0]}`,
      );
    if (t.retry.length > 0)
      throw retryableError(`loki: ${t.retryMessage}`, {
        retryAfterMs: t.retryAfterMs,
        retryData: t.retry.length === countLogRecords(logs) ? undefined : subsetLogs(logs, t.retry),
        rejectedItems: t.failed || undefined,
        throttled: t.retryMessage?.startsWith('HTTP 429') ?? false,
      });
    if (t.failed > 0) throw permanentError(`loki: ${t.reasons[0]}`, { rejectedItems: t.failed });
  }

  /** Pushes one request; on 413 pushes each half, down to a single entry. */
  private async pushSplitting(
    req: LokiRequest,
    abort: AbortSignal,
    t: Tally,
    ctx: RequestContext | undefined,
  ): Promise<void> {
    const out = await this.push(req, abort, ctx);
    switch (out.kind) {
      case 'ok':
        return;
      case 'split': {
        if (req.count <= 1) {
          t.failed += req.count;
          t.reasons.push('HTTP 413: a single entry is larger than Loki (or its gateway) accepts');
          return;
        }
        const [a, b] = halve(req);
        await this.pushSplitting(a, abort, t, ctx);
        await this.pushSplitting(b, abort, t, ctx);
        return;
      }
      case 'retry':
        for (const st of req.streams) for (const e of st.entries) t.retry.push(e);
        if (out.retryAfterMs !== undefined) t.retryAfterMs = Math.max(t.retryAfterMs ?? 0, out.retryAfterMs);
        t.retryMessage ??= out.message;
        return;
      case 'permanent':
        t.failed += req.count;
        t.reasons.unshift(out.message);
        return;
    }
  }

  /** One HTTP round trip. Network errors and timeouts are retryable. */
  private async push(
    req: LokiRequest,
    abort: AbortSignal,
    ctx: RequestContext | undefined,
  ): Promise<Outcome> {
    if (!this.pool) throw new Error('loki exporter not started');
    let body: Buffer;
    if (this.cfg.encoding === 'json') {
      const text = Buffer.from(encodeJsonPush(req));
      body = this.cfg.compression === 'gzip' ? await gzip(text) : text;
    } else {
      // On the event loop, into a reused scratch buffer: snappy's async compress runs on the
      // libuv pool, whose threads' allocator (mimalloc, in the native module) kept the freed
      // output memory resident — 70 MiB of RSS at 30k records/s and growing with the rate —
      // while compressing here costs about a millisecond per MiB. copyOutputData: the output is
      // copied into a Node buffer and the native one freed at once (an external buffer would be
      // freed only when a GC finds it dead; V8 does not count it, so that memory piles up).
      body = compressSync(encodePushRequest(req, this.scratch), { copyOutputData: true });
    }
    const headers: Record<string, string> = this.auth
      ? authHeaders(
          this.auth,
          req.tenant ? { ...this.ownHeaders, 'x-scope-orgid': req.tenant } : this.ownHeaders,
          this.configuredHeaders,
          ctx,
        )
      : req.tenant
        ? { ...this.baseHeaders, 'x-scope-orgid': req.tenant }
        : this.baseHeaders;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({ path: this.path, method: 'POST', headers, body, signal: abort });
    } catch (err) {
      return { kind: 'retry', message: `push failed: ${errorMessage(err)}` };
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let text = '';
    try {
      // at most 64 KiB of any answer (src/exporterhelper/response-body.ts)
      if (ok) await discardBody(res.body);
      else text = await readCappedText(res.body);
    } catch {
      // The answer's status is what counts.
    }
    return classifyStatus(res.statusCode, text, res.headers['retry-after']);
  }
}

function halve(req: LokiRequest): [LokiRequest, LokiRequest] {
  const half = Math.ceil(req.count / 2);
  const a: LokiRequest = { tenant: req.tenant, streams: [], count: 0 };
  const b: LokiRequest = { tenant: req.tenant, streams: [], count: 0 };
  for (const st of req.streams) {
    const room = half - a.count;
    if (room >= st.entries.length) {
      a.streams.push(st);
      a.count += st.entries.length;
    } else if (room > 0) {
      a.streams.push({ labels: st.labels, entries: st.entries.slice(0, room) });
      a.count += room;
      const rest: LokiEntry[] = st.entries.slice(room);
      b.streams.push({ labels: st.labels, entries: rest });
      b.count += rest.length;
    } else {
      b.streams.push(st);
      b.count += st.entries.length;
    }
  }
  return [a, b];
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
