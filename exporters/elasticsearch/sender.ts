// The Elasticsearch send function the exporter helper calls: build documents
// (pure), POST _bulk bodies (I/O), read each answer (classify).
//
// Retry split (documented in README): request-level failures (429/5xx,
// network, timeout) are returned to the exporter helper, which retries them
// with retry_on_failure. Document-level failures with a status in
// retry.retry_on_status are retried here, alone, up to retry.max_retries times
// with the exporter's own retry.initial_interval/max_interval backoff; what is
// still failing after that goes back to the helper as `retryData` (never
// dropped while the helper may still retry). Permanent item failures are
// counted (`rejectedItems`), logged with Elasticsearch's reason and, with
// `dead_letter_index`, written there.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Dispatcher, Pool } from 'undici';
import type { ClientAuthenticator } from '../../src/component/auth.js';
import type { ComponentSettings, Host } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import { errorMessage, permanentError, retryableError } from '../../src/component/errors.js';
import { clientAuthenticator } from '../../src/config/auth.js';
import { authHeaders } from '../../src/exporterhelper/client-auth.js';
import { encodePool } from '../../src/exporterhelper/encode-pool.js';
import { endpointOf, withEndpointAuth } from '../../src/exporterhelper/endpoint.js';
import { createPool } from '../../src/exporterhelper/http-pool.js';
import type { SendFunctions } from '../../src/exporterhelper/index.js';
import { MAX_RESPONSE_BYTES, readCapped } from '../../src/exporterhelper/response-body.js';
import { OneAtATime } from '../../src/exporterhelper/time-slice.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';
import { type BuildResult, BulkBuilder, type MetricGroup } from './builder.js';
import {
  type BulkChunk,
  BulkWriter,
  type DocSpan,
  indexOf,
  refOf,
  releaseChunks,
  sourceOf,
  spansOf,
} from './bulk-body.js';
import { classifyItems, classifyRequest, ITEM_PERMANENT, ITEM_RETRY } from './classify.js';
import { type ElasticsearchConfig, endpointsOf } from './config.js';
import { quote } from './json.js';
import { buildInPool, gzippedBody } from './offload.js';
import { subsetLogs, subsetMetrics, subsetTraces } from './subset.js';

const gzip = promisify(gzipCb);

let instances = 0;

interface Failure {
  doc: DocSpan;
  status: number;
  reason: string;
}

interface Round {
  itemRetry: DocSpan[];
  requestRetry: DocSpan[];
  permanent: Failure[];
  retryAfterMs?: number;
  message?: string;
  throttled: boolean;
}

/** The headers of one request: the endpoint's, after the client authenticator (if any). */
type WithAuth = (headers: Record<string, string>) => Record<string, string>;

export class ElasticsearchSender implements SendFunctions {
  private pools: { pool: Pool; prefix: string; headers: Record<string, string> }[] = [];
  private next = 0;
  private readonly builder: BulkBuilder;
  private readonly building = new OneAtATime();
  private readonly headers: Record<string, string>;
  private readonly configuredHeaders: Record<string, string> = {};
  private auth: ClientAuthenticator | undefined;
  private readonly query: string;
  private readonly retryOn: ReadonlySet<number>;
  private readonly workers: number;
  private readonly maxRetries: number;
  /** This exporter's builder in the encode workers. */
  private readonly poolKey = `${process.pid}:${instances++}`;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: ElasticsearchConfig,
  ) {
    this.builder = new BulkBuilder(cfg);
    const h: Record<string, string> = { 'user-agent': 'tsunagi', 'content-type': 'application/x-ndjson' };
    if (cfg.compression === 'gzip') h['content-encoding'] = 'gzip';
    if (cfg.api_key) h.authorization = `ApiKey ${cfg.api_key}`;
    else if (cfg.user !== undefined)
      h.authorization = `Basic ${Buffer.from(`${cfg.user}:${cfg.password ?? ''}`).toString('base64')}`;
    for (const [k, v] of Object.entries(cfg.headers)) this.configuredHeaders[k.toLowerCase()] = v;
    this.headers = { ...h, ...this.configuredHeaders };
    const q = new URLSearchParams();
    if (cfg.pipeline) q.set('pipeline', cfg.pipeline);
    if (cfg.include_source_on_error != null)
      q.set('include_source_on_error', String(cfg.include_source_on_error));
    this.query = q.size ? `?${q}` : '';
    this.retryOn = new Set(cfg.retry.retry_on_status);
    this.workers = cfg.num_workers ?? availableParallelism();
    this.maxRetries =
      cfg.retry.max_requests !== undefined ? cfg.retry.max_requests - 1 : cfg.retry.max_retries;
  }

  async start(host?: Host): Promise<void> {
    if (this.cfg.auth)
      this.auth = clientAuthenticator(host ?? { getExtension: () => undefined }, this.cfg.auth);
    for (const raw of endpointsOf(this.cfg)) {
      // credentials in the URL: sent as Basic auth unless user/api_key or an authorization
      // header is configured, never printed (src/exporterhelper/endpoint.ts)
      const ep = endpointOf(raw);
      const pool = await createPool(ep.url.origin, this.cfg.tls, this.workers);
      this.pools.push({
        pool,
        prefix: ep.url.pathname.replace(/\/+$/, ''),
        headers: withEndpointAuth(this.headers, ep),
      });
    }
    if (this.pools.length === 0) throw new Error('elasticsearch exporter: no endpoint configured');
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.pool.close()));
    this.pools = [];
  }

  async send<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void> {
    // One batch built at a time (the build yields; see OneAtATime). Logs and traces are
    // built on an encode worker when there is one (offload.ts), so the event loop stays
    // free to answer senders; metrics, few and small, stay here.
    const pool = encodePool();
    const built = await this.building.run(() =>
      pool && signal !== 'metrics' && !pool.busy()
        ? buildInPool(
            pool,
            this.poolKey,
            this.cfg,
            signal as 'logs' | 'traces',
            data as LogsData | TracesData,
            ctx,
          )
        : signal === 'logs'
          ? this.builder.logs(data as LogsData, ctx)
          : signal === 'metrics'
            ? this.builder.metrics(data as MetricsData, ctx)
            : this.builder.traces(data as TracesData, ctx),
    );
    try {
      await this.sendBuilt(signal, data, built, abort, ctx);
    } finally {
      // Gzipped, the bodies went out as compressed copies: their buffers are free again
      // (uncompressed, a socket write may still read one after an early answer: left to the GC).
      if (this.cfg.compression === 'gzip') releaseChunks(built.chunks);
    }
  }

  private async sendBuilt<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    built: BuildResult,
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void> {
    // The authenticator sees each endpoint's headers (its URL credentials included); the
    // configured headers are set again after it and win (confighttp order).
    const auth = this.auth;
    const headers: WithAuth = auth ? (h) => authHeaders(auth, h, this.configuredHeaders, ctx) : (h) => h;
    const permanentRefs = new Map<number, string>();
    for (const r of built.rejected) permanentRefs.set(r.ref, r.reason);

    const round: Round = { itemRetry: [], requestRetry: [], permanent: [], throttled: false };
    let pending = built.chunks;
    for (let attempt = 0; ; attempt++) {
      round.itemRetry = [];
      await this.bulkAll(pending, abort, round, headers);
      if (
        round.itemRetry.length === 0 ||
        !this.cfg.retry.enabled ||
        attempt >= this.maxRetries ||
        abort.aborted
      )
        break;
      await sleep(this.backoff(attempt), abort);
      pending = BulkWriter.repack(round.itemRetry, this.cfg.flush.bytes);
    }

    for (const f of round.permanent)
      if (!permanentRefs.has(refOf(f.doc))) permanentRefs.set(refOf(f.doc), f.reason);
    if (round.permanent.length > 0 && this.cfg.dead_letter_index)
      await this.deadLetter(round.permanent, abort, headers);

    const retryRefs = new Set<number>();
    for (const d of round.itemRetry) retryRefs.add(refOf(d));
    for (const d of round.requestRetry) retryRefs.add(refOf(d));
    for (const r of retryRefs) permanentRefs.delete(r);
    // Metric documents hold several data points: count points, as the helper's metrics do.
    const weight = (ref: number) =>
      signal === 'metrics' ? (built.refs.items[ref] as MetricGroup).points.length : 1;
    let failed = 0;
    for (const ref of permanentRefs.keys()) failed += weight(ref);
    if (failed > 0) {
      const reasons = [...new Set(permanentRefs.values())].slice(0, 5);
      this.settings.logger.warn(
        { rejected: failed, reasons, dead_letter_index: this.cfg.dead_letter_index },
        `elasticsearch: ${failed} ${signal === 'logs' ? 'log records' : signal === 'metrics' ? 'metric data points' : 'spans'} rejected by Elasticsearch and not retried: ${reasons[0]}`,
      );
    }
    if (retryRefs.size > 0) {
      const refs = [...retryRefs].sort((a, b) => a - b).map((i) => built.refs.get(i));
      const all = refs.length === built.refs.length;
      throw retryableError(
        `elasticsearch: ${round.message ?? 'documents rejected with a retryable status'}`,
        {
          retryAfterMs: round.retryAfterMs,
          throttled: round.throttled,
          rejectedItems: failed || undefined,
          retryData: all
            ? undefined
            : signal === 'logs'
              ? subsetLogs(data as LogsData, refs)
              : signal === 'metrics'
                ? subsetMetrics(data as MetricsData, refs)
                : subsetTraces(data as TracesData, refs),
        },
      );
    }
    if (failed > 0)
      throw permanentError(`elasticsearch: ${[...permanentRefs.values()][0]}`, { rejectedItems: failed });
  }

  private backoff(attempt: number): number {
    const r = this.cfg.retry;
    const base = Math.min(r.max_interval, r.initial_interval * 2 ** attempt);
    return base * (0.5 + Math.random() * 0.5);
  }

  /** Sends all bodies, num_workers at a time. */
  private async bulkAll(
    chunks: BulkChunk[],
    abort: AbortSignal,
    round: Round,
    headers: WithAuth,
  ): Promise<void> {
    let i = 0;
    const worker = async () => {
      while (i < chunks.length) await this.bulk(chunks[i++], abort, round, headers);
    };
    await Promise.all(Array.from({ length: Math.min(this.workers, chunks.length) }, worker));
  }

  /** One _bulk request; on 413 each half is sent, down to one document. */
  private async bulk(chunk: BulkChunk, abort: AbortSignal, round: Round, headers: WithAuth): Promise<void> {
    const n = chunk.n;
    const res = await this.post(chunk.body(), abort, n, headers, gzippedBody(chunk));
    if ('error' in res) {
      round.requestRetry.push(...spansOf(chunk));
      round.message ??= res.error;
      return;
    }
    const out = classifyRequest(res.status, res.body, res.retryAfter, this.retryOn);
    switch (out.kind) {
      case 'split': {
        if (n === 1) {
          round.permanent.push({
            doc: { chunk, k: 0 },
            status: 413,
            reason: 'HTTP 413: document larger than http.max_content_length',
          });
          return;
        }
        const docs = spansOf(chunk);
        const half = Math.ceil(n / 2);
        for (const part of [docs.slice(0, half), docs.slice(half)])
          for (const c of BulkWriter.repack(part, Number.POSITIVE_INFINITY))
            await this.bulk(c, abort, round, headers);
        return;
      }
      case 'retry':
        round.requestRetry.push(...spansOf(chunk));
        round.message ??= out.message;
        if (res.status === 429) round.throttled = true;
        if (out.retryAfterMs !== undefined)
          round.retryAfterMs = Math.max(round.retryAfterMs ?? 0, out.retryAfterMs);
        return;
      case 'permanent':
        for (const doc of spansOf(chunk))
          round.permanent.push({ doc, status: res.status, reason: out.message });
        return;
      case 'items': {
        let items: ReturnType<typeof classifyItems>;
        try {
          items = classifyItems(res.body, n, this.retryOn);
        } catch (err) {
          round.requestRetry.push(...spansOf(chunk));
          round.message ??= `unreadable _bulk response: ${errorMessage(err)}`;
          return;
        }
        if (!items) return;
        for (let k = 0; k < n; k++) {
          const it = items[k];
          if (it.outcome === ITEM_RETRY) {
            round.itemRetry.push({ chunk, k });
            round.message ??= `document rejected with status ${it.status}: ${it.reason}`;
            if (it.status === 429) round.throttled = true;
          } else if (it.outcome === ITEM_PERMANENT)
            round.permanent.push({
              doc: { chunk, k },
              status: it.status,
              reason: it.reason ?? `status ${it.status}`,
            });
        }
      }
    }
  }

  /** `docs`: the request's document count (a _bulk answer has one result per document). */
  private async post(
    raw: Buffer,
    abort: AbortSignal,
    docs: number,
    withAuth: WithAuth,
    /** `raw` already gzipped (built on an encode worker). */
    gzipped?: Buffer,
  ): Promise<{ status: number; body: string; retryAfter?: string | string[] } | { error: string }> {
    if (this.pools.length === 0) return { error: 'elasticsearch exporter not started' };
    const { pool, prefix, headers: poolHeaders } = this.pools[this.next++ % this.pools.length];
    const headers = withAuth(poolHeaders);
    // Compressed off the event loop (a 5 MB body held it ~25 ms: every sender's answer waited).
    // One output buffer large enough for the whole compressed body: with zlib's default 16 KiB
    // each 16 KiB of output was a round trip pool thread → event loop, and a copy at the end.
    // A body built on an encode worker comes gzipped from there (the same bytes).
    const body =
      this.cfg.compression === 'gzip'
        ? (gzipped ??
          (await gzip(raw, { level: 1, chunkSize: Math.min(8 << 20, Math.max(16 << 10, raw.length >> 2)) })))
        : raw;
    let res: Dispatcher.ResponseData;
    try {
      res = await pool.request({
        path: `${prefix}/_bulk${this.query}`,
        method: 'POST',
        headers,
        body,
        signal: abort,
      });
    } catch (err) {
      return { error: `_bulk request failed: ${errorMessage(err)}` };
    }
    try {
      const answer = await readAnswer(res, docs);
      if (answer === undefined)
        return { error: `_bulk answer longer than ${answerCap(docs)} bytes for ${docs} documents: not read` };
      return { status: res.statusCode, body: answer, retryAfter: res.headers['retry-after'] };
    } catch (err) {
      return { error: `_bulk response failed: ${errorMessage(err)}` };
    }
  }

  /** Best effort: the rejected documents, with the reason, into dead_letter_index. */
  private async deadLetter(failures: Failure[], abort: AbortSignal, headers: WithAuth): Promise<void> {
    const dlq = this.cfg.dead_letter_index!;
    const action = `{"create":{"_index":${quote(dlq)}}}`;
    const now = new Date().toISOString();
    const w = new BulkWriter(this.cfg.flush.bytes);
    for (const f of failures)
      w.add(
        action,
        `{"@timestamp":"${now}","message":${quote(f.reason)},"http.response.status_code":${f.status},"error.type":${quote(f.reason.split(':')[0])},"error.reason":${quote(f.reason)},"elasticsearch.index":${quote(indexOf(f.doc))},"document":${quote(sourceOf(f.doc))}}`,
        dlq,
        refOf(f.doc),
      );
    const round: Round = { itemRetry: [], requestRetry: [], permanent: [], throttled: false };
    await this.bulkAll(w.chunks, abort, round, headers);
    const lost = round.itemRetry.length + round.requestRetry.length + round.permanent.length;
    if (lost > 0)
      this.settings.logger.error(
        { documents: lost, reason: round.message ?? round.permanent[0]?.reason },
        `elasticsearch: could not write ${lost} rejected documents to dead_letter_index ${dlq}`,
      );
  }
}

/**
 * The most of a _bulk answer read: a successful one holds a result per document (an error
 * result with its reason is well under 4 KiB), anything else is an error text.
 */
function answerCap(docs: number): number {
  return MAX_RESPONSE_BYTES + docs * 4096;
}

/**
 * The answer's text, or undefined when it is longer than answerCap (not read further: see
 * src/exporterhelper/response-body.ts). When a successful answer's head says `"errors":false`
 * the rest is skipped unread.
 */
async function readAnswer(res: Dispatcher.ResponseData, docs: number): Promise<string | undefined> {
  if (res.statusCode < 200 || res.statusCode >= 300)
    return (await readCapped(res.body, MAX_RESPONSE_BYTES)).bytes.toString('utf8');
  // A successful answer holds one result per document (~130 bytes each): once its head says
  // `"errors":false`, the rest is read off the connection (so it can be reused) but not kept.
  const max = answerCap(docs);
  const parts: Buffer[] = [];
  let size = 0;
  let head: string | undefined;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (head !== undefined) {
      if (size > max) break;
      continue;
    }
    parts.push(chunk);
    if (size >= HEAD_BYTES) {
      const start = headOf(parts, size);
      if (ERRORS_FALSE.test(start)) {
        head = start;
        parts.length = 0;
        if (size > max) break;
        continue;
      }
    }
    if (size > max) {
      res.body.destroy();
      return undefined;
    }
  }
  if (head !== undefined) {
    if (size > max) res.body.destroy(); // the rest is not read: the connection closes
    return head;
  }
  const start = headOf(parts, size);
  if (ERRORS_FALSE.test(start)) return start;
  return Buffer.concat(parts, size).toString('utf8');
}

/** How much of an answer's head is searched for `"errors":false`. */
const HEAD_BYTES = 256;
const ERRORS_FALSE = /"errors"\s*:\s*false/;

/** The first HEAD_BYTES of the chunks read so far, as latin1 text. */
function headOf(parts: readonly Buffer[], size: number): string {
  const first = parts[0];
  if (first === undefined) return '';
  if (first.length >= HEAD_BYTES || parts.length === 1)
    return first.toString('latin1', 0, Math.min(first.length, HEAD_BYTES));
  return Buffer.concat(parts, Math.min(size, HEAD_BYTES * 2)).toString('latin1', 0, HEAD_BYTES);
}

function sleep(ms: number, abort: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (abort.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      abort.removeEventListener('abort', done);
      resolve();
    }
    abort.addEventListener('abort', done, { once: true });
  });
}
