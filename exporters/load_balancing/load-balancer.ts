// The backends and the ring: one OTLP/gRPC exporter (its own sending queue and
// retry, from protocol.otlp) per endpoint the resolver reports, and the
// collector's hash ring over them. A request is split per routing key and
// each part handed to its backend's queue; the call settles when every part
// was accepted (or refused) there.
//
// Membership changes lose nothing queued. New backends are started first, then
// the ring switches, then each removed backend is retired: its exporter takes
// no new data, and from then on every send it makes, whether a queued batch's
// turn, a retry, or a batch read back from its persistent queue, is routed
// again through the current ring into the queues of the backends that own
// the keys now. Retry waits of a retired backend are cut short (retryNow), so
// its queue empties at the speed of the new owners' queues; a part the new
// owner refuses (its queue full) is retried by the retired exporter with
// its backoff, as any refused send. Once its backlog is empty the exporter
// shuts down. A request already on the wire to the removed backend finishes
// there, or fails and is re-routed like the rest.
import type { BatchingRequest } from '../../src/component/batching.js';
import type { ComponentSettings, Host } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import {
  ConsumerError,
  errorMessage,
  isRetryable,
  permanentError,
  retryableError,
} from '../../src/component/errors.js';
import { mergeData } from '../../src/exporterhelper/batch-data.js';
import { QueuedExporter, type SendFunctions } from '../../src/exporterhelper/index.js';
import {
  h2Eligible,
  type OtlpGrpcConfig,
  OtlpGrpcH2Sender,
  OtlpGrpcSender,
} from '../../src/otlpclient/index.js';
import { cloneData } from '../../src/pdata/clone.js';
import { countItems } from '../../src/pdata/count.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { LoadBalancingConfig, RoutingKey } from './config.js';
import type { Resolver } from './resolver.js';
import { HashRing } from './ring.js';
import { routeData } from './routing.js';

/** The collector appends the OTLP port to a resolved address without one. */
export const DEFAULT_PORT = '4317';
/** How often a retired backend's backlog is checked (and its retry waits cut short). */
const RETIRE_POLL_MS = 100;

/**
 * Parts waiting in one backend's memory queue are sent together, up to this many items: a
 * request split three ways makes three times the calls, and a backend that falls behind
 * (its queue filling) then catches up with fewer, larger calls instead of refusing senders.
 * Only what is already queued is merged (no timer, no added latency). 512 spans or records
 * stay far below a gRPC server's 4 MiB default message limit at common item sizes.
 */
export const COALESCE_ITEMS = 512;

/** The merge of COALESCE_ITEMS as a batch shape, for a signal whose backend queues adopted none. */
const COALESCE_REQUEST: BatchingRequest = { minSize: COALESCE_ITEMS, maxSize: 0, flushTimeoutMs: 0 };

/**
 * The otlp exporter config of one backend: `protocol.otlp` with its endpoint. As the
 * collector's buildExporterConfig: with the exporter's own sending_queue enabled, the
 * per-endpoint queue is disabled (two levels of queues would hold data twice). A per-endpoint
 * memory queue without a `batch` of its own merges the parts waiting in it (COALESCE_ITEMS).
 */
export function backendConfig(cfg: LoadBalancingConfig, endpoint: string, adopting = false): OtlpGrpcConfig {
  const otlp = cfg.protocol.otlp;
  let queue = otlp.sending_queue;
  if (cfg.sending_queue.enabled) queue = { ...queue, enabled: false };
  // adopting a batch processor's shape: the merge is asked for per signal (LoadBalancer.add)
  else if (queue.enabled && queue.batch === undefined && queue.storage === undefined && !adopting)
    queue = {
      ...queue,
      batch: { flush_timeout: 0, min_size: COALESCE_ITEMS, max_size: 0, sizer: 'items' },
    };
  return { ...otlp, endpoint, sending_queue: queue };
}

/**
 * The request context a backend's queue keeps: metadata and auth (a client authenticator
 * may turn them into headers of the call), not the peer address, which no exporter reads and
 * which would keep the parts of different connections from being sent together.
 */
function backendContext(ctx: RequestContext | undefined): RequestContext | undefined {
  if (!ctx || (ctx.metadata === undefined && ctx.auth === undefined)) return undefined;
  return ctx.clientAddress === undefined ? ctx : { metadata: ctx.metadata, auth: ctx.auth };
}

export function endpointWithPort(endpoint: string): string {
  const hasPort = endpoint.startsWith('[') ? /\]:\d+$/.test(endpoint) : endpoint.includes(':');
  return hasPort ? endpoint : `${endpoint}:${DEFAULT_PORT}`;
}

/** The send functions of one backend: OTLP/gRPC while it is in the ring, re-routing once it left. */
class BackendSender implements SendFunctions {
  retired = false;

  constructor(
    private readonly otlp: OtlpGrpcSender | OtlpGrpcH2Sender,
    private readonly reroute: <S extends Signal>(
      signal: S,
      data: SignalDataMap[S],
      ctx?: RequestContext,
    ) => Promise<void>,
    private readonly copyOnReroute: boolean,
  ) {}

  start(host?: Host): Promise<void> {
    return this.otlp.start(host);
  }

  shutdown(): Promise<void> {
    return this.otlp.shutdown();
  }

  send<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    abort: AbortSignal,
    ctx?: RequestContext,
  ): Promise<void> {
    if (!this.retired) return this.otlp.send(signal, data, abort);
    // a persistent queue hands out views of a record buffer it reuses once this send settled
    return this.reroute(signal, this.copyOnReroute ? cloneData(signal, data) : data, ctx);
  }
}

interface Backend {
  endpoint: string;
  exporter: QueuedExporter;
  sender: BackendSender;
}

export class LoadBalancer {
  private ring: HashRing | undefined;
  private readonly backends = new Map<string, Backend>();
  /** Backends that left the ring and are still handing their queue to the new owners. */
  private readonly retired = new Set<Backend>();
  private readonly retiring = new Set<Promise<void>>();
  private host: Host | undefined;
  private stopping = false;
  private updates: Promise<void> = Promise.resolve();
  private readonly keys: Map<Signal, RoutingKey>;
  /** Backend list changes applied (otelcol_loadbalancer_num_backend_updates). */
  updateCount = 0;
  /** Batch shapes of `batch` processors before this exporter, adopted by every backend's queue. */
  private readonly batching = new Map<Signal, BatchingRequest>();

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: LoadBalancingConfig,
    private readonly signals: readonly Signal[],
    private readonly resolver: Resolver,
    keys: Map<Signal, RoutingKey>,
  ) {
    this.keys = keys;
  }

  /**
   * A `batch` processor before this exporter asks for its shape (src/component/batching.ts): with
   * the exporter's own queue off, the per-backend queues take it, each merging its parts of many
   * requests into batches of that shape, as they would merge whole requests before the split; the
   * processor then passes requests through, answered once every part is queued. Refused (the
   * processor batches by itself) when the backends have no queue, or when backends are running
   * already without it (a reload): a running queue does not change shape.
   */
  acceptBatching(signal: Signal, req: BatchingRequest): boolean {
    if (this.batching.has(signal)) return true;
    if (!this.cfg.protocol.otlp.sending_queue.enabled || this.host !== undefined) return false;
    this.batching.set(signal, req);
    return true;
  }

  /** Endpoints in the ring now. */
  endpoints(): string[] {
    return [...(this.ring?.endpoints ?? [])];
  }

  async start(host: Host): Promise<void> {
    this.host = host;
    await this.resolver.start((list) => {
      this.updates = this.updates
        .then(() => this.apply(list))
        .catch((err) =>
          this.settings.logger.error({ error: errorMessage(err) }, 'failed to apply the new backend list'),
        );
    });
    await this.updates;
  }

  private async apply(list: string[]): Promise<void> {
    if (this.stopping) return;
    const ring = new HashRing(list);
    if (ring.equals(this.ring)) return;
    const wanted = new Set(list.map(endpointWithPort));
    for (const ep of wanted) if (!this.backends.has(ep)) await this.add(ep);
    this.ring = ring;
    this.updateCount++;
    for (const [ep, b] of this.backends) if (!wanted.has(ep)) this.retire(b);
    this.settings.logger.info({ backends: list }, 'load-balancing backends changed');
  }

  private async add(endpoint: string): Promise<void> {
    const adopting = this.batching.size > 0;
    const otlp = backendConfig(this.cfg, endpoint, adopting);
    const settings: ComponentSettings = {
      ...this.settings,
      id: `${this.settings.id}_${endpoint}`,
      logger: this.settings.logger.child({ endpoint }),
    };
    // one call per backend for every request split: the lean HTTP/2 client where the
    // endpoint is one address (resolvers report IPs), grpc-js for what needs its channel
    const sender = new BackendSender(
      h2Eligible(otlp)
        ? new OtlpGrpcH2Sender(otlp, settings.logger)
        : new OtlpGrpcSender(otlp, settings.logger),
      (signal, data, ctx) => this.route(signal, data, ctx),
      otlp.sending_queue.storage !== undefined,
    );
    // parts of the requests that arrived in one event-loop turn go to a backend in one call; the
    // queue keeps spans a processor decoded as their OTLP encoding while they wait (as otlp_grpc's)
    const exporter = new QueuedExporter(settings, otlp, this.signals, sender, {
      mergeWithinTurn: true,
      sendsOtlp: true,
    });
    if (adopting) {
      const q = otlp.sending_queue;
      for (const signal of this.signals) {
        const req = this.batching.get(signal) ?? (q.storage === undefined ? COALESCE_REQUEST : undefined);
        if (req) exporter.acceptBatching(signal, req);
      }
    }
    await exporter.start(this.host ?? { getExtension: () => undefined });
    this.backends.set(endpoint, { endpoint, exporter, sender });
  }

  private retire(b: Backend): void {
    this.backends.delete(b.endpoint);
    b.sender.retired = true;
    this.retired.add(b);
    const drained = (async () => {
      // everything it still holds goes to the new owners; backoff waits would only delay that
      while (b.exporter.backlog() > 0 && !this.stopping) {
        b.exporter.retryNow();
        await new Promise((r) => setTimeout(r, RETIRE_POLL_MS));
      }
      if (this.stopping) return; // shutdown() drains it within the service's deadline
      await b.exporter.shutdown();
      this.retired.delete(b);
    })();
    this.retiring.add(drained);
    void drained.finally(() => this.retiring.delete(drained));
  }

  /**
   * Splits `data` per routing key and hands each backend its part. Resolves when
   * every part was accepted; otherwise rejects with the refusal (retryable if any
   * part may be retried, with `retryData` = the refused parts).
   */
  async route<S extends Signal>(signal: S, data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    const ring = this.ring;
    if (!ring || ring.size === 0)
      throw retryableError('no backends to load-balance to (the resolver has found none yet)', {
        retryAfterMs: 1000,
      });
    // a split by trace ID copies the parts into one pooled buffer: held by the queues that keep
    // a part, and by this call until every part was accepted (then given back after the last send)
    let lease: Lease | undefined;
    const parts = routeData(signal, data, {
      key: this.keys.get(signal) ?? 'traceID',
      attributes: this.cfg.routing_attributes ?? [],
      endpointFor: (k) => ring.endpointFor(k) as string,
      keep: (l) => {
        lease = l;
      },
    });
    const pending: Promise<void>[] = [];
    const sent: SignalDataMap[S][] = [];
    const bctx = backendContext(ctx);
    for (const [endpoint, part] of parts) {
      const b = this.backends.get(endpointWithPort(endpoint));
      pending.push(
        b
          ? b.exporter.consume(signal, part, bctx)
          : Promise.reject(retryableError(`no exporter for endpoint "${endpoint}"`)),
      );
      sent.push(part);
    }
    if (pending.length === 1 && lease === undefined) return pending[0];
    const results = await Promise.allSettled(pending);
    const failed: { part: SignalDataMap[S]; error: unknown }[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') failed.push({ part: sent[i], error: r.reason });
    });
    const retry = failed.filter((f) => isRetryable(f.error));
    // refused parts that may be retried leave with the error (retryData): their buffer is then
    // left to the GC, never given back while a part may still be read
    if (retry.length === 0) (lease as Lease | undefined)?.release();
    if (failed.length === 0) return;
    const refused = failed.reduce((n, f) => n + countItems(signal, f.part), 0);
    const first = (retry[0] ?? failed[0]).error;
    const msg = `${failed.length} of ${parts.size} backends refused their part: ${errorMessage(first)}`;
    if (retry.length === 0) throw permanentError(msg, { rejectedItems: refused, cause: first });
    const ce = first instanceof ConsumerError ? first : undefined;
    throw retryableError(msg, {
      rejectedItems: failed.length === retry.length ? refused : undefined,
      retryData: mergeData(
        signal,
        retry.map((f) => f.part),
      ),
      retryAfterMs: ce?.retryAfterMs,
      throttled: ce?.throttled,
      cause: first,
    });
  }

  async shutdown(deadlineAt?: number): Promise<void> {
    this.stopping = true;
    await this.resolver.shutdown();
    await this.updates;
    await Promise.all([...this.retiring]);
    // retired backends first: what they still hold is re-routed while the others accept
    for (const b of this.retired) b.exporter.retryNow();
    await Promise.all([...this.retired].map((b) => b.exporter.shutdown(deadlineAt)));
    await Promise.all([...this.backends.values()].map((b) => b.exporter.shutdown(deadlineAt)));
  }
}
