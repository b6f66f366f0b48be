import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { poolReuses } from '../../src/codec/buffer-pool.js';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/otlp-proto.js';
import { counterValue, waitFor } from '../../src/exporterhelper/testing/helpers.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../../src/pdata/create.js';
import { hexOf } from '../../src/pdata/ids.js';
import type { TracesData } from '../../src/pdata/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { FakeOtlpGrpcServer } from '../../test/support/fake-otlp.js';
import { loadBalancingConfigSchema, routingKeyFor } from './config.js';
import { factory, LoadBalancingExporter } from './factory.js';
import { backendConfig, COALESCE_ITEMS } from './load-balancer.js';
import type { Resolver } from './resolver.js';
import { HashRing } from './ring.js';

/** A resolver the test drives: `set` reports a new backend list. */
class ManualResolver implements Resolver {
  private cb: ((l: string[]) => void) | undefined;
  constructor(private list: string[]) {}
  async start(cb: (l: string[]) => void) {
    this.cb = cb;
    cb([...this.list].sort());
  }
  set(list: string[]) {
    this.list = list;
    this.cb?.([...list].sort());
  }
  async shutdown() {}
}

/** `n` traces of `spans` spans each, trace i's spans named `t<i>-<j>`. */
function manyTraces(n: number, spans: number, seed = 1): TracesData {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  for (let i = 0; i < n; i++) {
    const tid = new Uint8Array(16);
    new DataView(tid.buffer).setUint32(0, (i + 1) * 2654435761 * seed);
    new DataView(tid.buffer).setUint32(12, i + seed);
    for (let j = 0; j < spans; j++) {
      const s = newSpan();
      s.traceId = tid;
      s.spanId = new Uint8Array([0, 0, 0, 0, 0, 0, i & 0xff, j + 1]);
      s.name = `t${i}-${j}`;
      ss.spans.push(s);
    }
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

/** A seeded generator (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Request `r` of a varied stream: 1..3 resources, 1..30 traces of 1..7 spans, the spans of a
 * trace spread over resources and interleaved with other traces, names `r<r>-t<i>-<j>` (some
 * non-ASCII, some long); every other request still its protobuf bytes (routed on the wire).
 */
function variedRequest(r: number): TracesData {
  const rand = rng(r + 1);
  const resources = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => {
    const rs = newResourceSpans();
    rs.resource.attributes.push({ key: 'service.name', value: { stringValue: `svc-${k}` } });
    rs.scopeSpans.push(newScopeSpans());
    return rs;
  });
  const spans: { rs: number; name: string; tid: Uint8Array; j: number }[] = [];
  const traces = 1 + Math.floor(rand() * 30);
  for (let i = 0; i < traces; i++) {
    const tid = new Uint8Array(16);
    for (let b = 0; b < 16; b++) tid[b] = Math.floor(rand() * 256);
    const n = 1 + Math.floor(rand() * 7);
    for (let j = 0; j < n; j++) {
      const tag = i % 5 === 0 ? 'é漢' : i % 7 === 0 ? 'x'.repeat(300) : '';
      spans.push({ rs: Math.floor(rand() * resources.length), name: `r${r}-t${i}-${j}${tag}`, tid, j });
    }
  }
  for (let k = spans.length - 1; k > 0; k--) {
    const m = Math.floor(rand() * (k + 1));
    [spans[k], spans[m]] = [spans[m], spans[k]];
  }
  for (const sp of spans) {
    const s = newSpan();
    s.traceId = sp.tid;
    s.spanId = new Uint8Array([0, 0, 0, 0, 0, 0, 0, sp.j + 1]);
    s.name = sp.name;
    resources[sp.rs].scopeSpans[0].spans.push(s);
  }
  const d = { resourceSpans: resources };
  return r % 2 === 0 ? decodeTracesLazy(encodeTraces(d)) : d;
}

/** Adds the spans of `d` to `expected`: per trace ID, the backend the ring names and the span names. */
function expectAtOwners(
  expected: Map<string, { at: string; names: string[] }>,
  ring: HashRing,
  d: TracesData,
): void {
  for (const rs of d.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const sp of ss.spans) {
        const t = expected.get(hexOf(sp.traceId)) ?? {
          at: ring.endpointFor(sp.traceId) as string,
          names: [],
        };
        t.names.push(sp.name);
        expected.set(hexOf(sp.traceId), t);
      }
}

const servers: FakeOtlpGrpcServer[] = [];
const exporters: LoadBalancingExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown(Date.now() + 5000)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function backends(n: number): Promise<{ servers: FakeOtlpGrpcServer[]; endpoints: string[] }> {
  const list: FakeOtlpGrpcServer[] = [];
  const endpoints: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = new FakeOtlpGrpcServer();
    endpoints.push(await s.listen());
    list.push(s);
    servers.push(s);
  }
  return { servers: list, endpoints };
}

function exporterWith(resolver: Resolver, extra: Record<string, unknown> = {}, metrics = new SelfMetrics()) {
  const cfg = loadBalancingConfigSchema.parse({
    protocol: {
      otlp: {
        tls: { insecure: true },
        compression: 'none',
        timeout: '2s',
        retry_on_failure: { initial_interval: '20ms', max_interval: '50ms' },
      },
    },
    resolver: { static: { hostnames: ['placeholder:1'] } },
    ...extra,
  });
  const e = new LoadBalancingExporter(
    { id: 'load_balancing', kind: 'exporter', logger: silentLogger(), metrics },
    cfg,
    ['traces', 'logs', 'metrics'],
    resolver,
  );
  exporters.push(e);
  return e;
}

/** trace ID (hex) → names of its spans, per server. */
function tracesAt(s: FakeOtlpGrpcServer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of s.requests)
    for (const rs of r.body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const sp of ss.spans ?? []) {
          const tid = Buffer.from(sp.traceId, 'base64').toString('hex');
          out.set(tid, [...(out.get(tid) ?? []), sp.name]);
        }
  return out;
}

describe('load_balancing config', () => {
  const bad = (yaml: string) => {
    const r = loadBalancingConfigSchema.safeParse(parse(yaml));
    expect(r.success).toBe(false);
    return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
  };

  it('accepts the collector README examples and fills the documented defaults', () => {
    const c = loadBalancingConfigSchema.parse(
      parse(`
routing_key: "service"
protocol:
  otlp:
    timeout: 1s
resolver:
  k8s:
    service: lb-svc.kube-public
    ports: [15317, 16317]
`),
    );
    expect(c.protocol.otlp.timeout).toBe(1000);
    expect(c.protocol.otlp.sending_queue.enabled).toBe(true); // the per-backend exporter's own queue
    expect(c.protocol.otlp.tls.insecure).toBe(false);
    expect(c.resolver.k8s).toEqual({
      service: 'lb-svc.kube-public',
      ports: [15317, 16317],
      timeout: 60_000,
      return_hostnames: false,
    });
    // the exporter's own resilience is off unless configured
    expect(c.timeout).toBe(0);
    expect(c.retry_on_failure.enabled).toBe(false);
    expect(c.sending_queue.enabled).toBe(false);
    const d = loadBalancingConfigSchema.parse(
      parse(`
resolver:
  dns:
    hostname: otelcol-headless.observability.svc.cluster.local
    port: "4317"
sending_queue:
  queue_size: 500
retry_on_failure:
  enabled: true
`),
    );
    expect(d.resolver.dns).toEqual({
      hostname: 'otelcol-headless.observability.svc.cluster.local',
      port: '4317',
      interval: 5000,
      timeout: 1000,
    });
    expect(d.sending_queue.enabled).toBe(true);
    expect(d.sending_queue.queue_size).toBe(500);
    expect(d.retry_on_failure.enabled).toBe(true);
    expect(routingKeyFor(d, 'traces')).toBe('traceID');
    expect(routingKeyFor(d, 'logs')).toBe('service');
    expect(routingKeyFor(d, 'metrics')).toBe('service');
  });

  it('refuses what the collector refuses, with its messages', () => {
    expect(bad('protocol: {otlp: {}}')).toContain('resolver');
    expect(bad('resolver: {}')).toContain('no resolvers specified for the exporter');
    expect(bad('resolver: {static: {hostnames: [a]}, dns: {hostname: b}}')).toContain(
      'only one resolver should be specified',
    );
    expect(bad('resolver: {aws_cloud_map: {namespace: ns, service_name: s}}')).toContain(
      'aws_cloud_map resolver is not supported',
    );
    expect(bad('resolver: {static: {hostnames: [a]}}\nrouting_key: attributes')).toContain(
      'routing_attributes must be specified when routing_key is "attributes"',
    );
    expect(
      bad('resolver: {static: {hostnames: [a]}}\nrouting_key: service\nrouting_attributes: [x]'),
    ).toContain('routing_attributes can only be used when routing_key is "attributes"');
    expect(bad('resolver: {static: {hostnames: [a]}}\nrouting_key: spanID')).toContain('routing_key');
    expect(bad('resolver: {dns: {hostname: h, port: http}}')).toContain('port');
    expect(bad('resolver: {dns: {hostname: h, intervall: 5s}}')).toContain('intervall');
    expect(bad('resolver: {static: {hostnames: []}}')).toContain('hostnames must not be empty');
    expect(bad('resolver: {static: {hostnames: [a]}}\nprotocol: {otlp: {compression: zstd}}')).toContain(
      'zstd',
    );
  });

  it('refuses a routing key the signal cannot route by when the exporter is created', () => {
    const cfg = loadBalancingConfigSchema.parse({
      resolver: { static: { hostnames: ['a'] } },
      routing_key: 'resource',
    });
    const settings = {
      id: 'load_balancing',
      kind: 'exporter' as const,
      logger: silentLogger(),
      metrics: new SelfMetrics(),
    };
    expect(() => factory.create(settings, cfg, ['traces'])).toThrow(
      'unsupported routing_key "resource" for traces (supported: traceID, service, attributes)',
    );
    expect(() => factory.create(settings, { ...cfg, routing_key: 'traceID' }, ['metrics'])).toThrow(
      'unsupported routing_key "traceID" for metrics',
    );
    expect(factory.type).toBe('load_balancing');
    expect(factory.deprecatedTypes).toEqual(['loadbalancing']);
  });
});

describe('load_balancing exporter', () => {
  it('sends every trace whole to the backend the ring names, one request per backend', async () => {
    const { servers: s, endpoints } = await backends(3);
    const e = exporterWith(new ManualResolver(endpoints));
    await e.start(emptyHost);
    await e.consume('traces', manyTraces(60, 5));
    const ring = new HashRing([...endpoints].sort());
    await waitFor(() => s.reduce((n, x) => n + x.requests.length, 0) === 3);
    let spans = 0;
    s.forEach((server, i) => {
      expect(server.requests).toHaveLength(1); // the request was split once per backend
      for (const [tid, names] of tracesAt(server)) {
        expect(ring.endpointFor(Buffer.from(tid, 'hex'))).toBe(endpoints[i]);
        expect(names).toHaveLength(5);
        spans += names.length;
      }
    });
    expect(spans).toBe(300);
  });

  it('retries a backend that refuses retryably, and re-routes its queue when it leaves: nothing lost', async () => {
    const { servers: s, endpoints } = await backends(3);
    const [, down] = s;
    down.script = [() => ({ code: 14, details: 'unavailable' })]; // always UNAVAILABLE
    const resolver = new ManualResolver(endpoints);
    const metrics = new SelfMetrics();
    const e = exporterWith(resolver, {}, metrics);
    await e.start(emptyHost);
    const data = manyTraces(90, 5);
    const ids = new Set(data.resourceSpans[0].scopeSpans[0].spans.map((sp) => hexOf(sp.traceId)));
    await e.consume('traces', data); // accepted by the three queues
    await waitFor(() => down.requests.length >= 3); // retried, not dropped
    resolver.set([endpoints[0], endpoints[2]]);
    await waitFor(() => tracesAt(s[0]).size + tracesAt(s[2]).size === ids.size, 10_000);
    const ring = new HashRing([endpoints[0], endpoints[2]].sort());
    for (const i of [0, 2])
      for (const [tid, names] of tracesAt(s[i])) {
        expect(ring.endpointFor(Buffer.from(tid, 'hex'))).toBe(endpoints[i]);
        expect(names).toHaveLength(5);
      }
    expect(e.lb.endpoints()).toEqual([endpoints[0], endpoints[2]].sort());
    const failed = await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', {
      exporter: `load_balancing_${endpoints[1]}`,
    });
    expect(failed ?? 0).toBe(0);
  });

  it('splits requests still in their wire bytes into pooled buffers given back only after the last part was sent, through retries and re-routing', async () => {
    const { servers: s, endpoints } = await backends(3);
    const [, down] = s;
    down.script = [() => ({ code: 14, details: 'unavailable' })]; // always UNAVAILABLE
    const resolver = new ManualResolver(endpoints);
    const e = exporterWith(resolver);
    await e.start(emptyHost);
    /** Request r: 40 traces of 5 spans with long, non-ASCII names (over 16 KiB: a pooled split). */
    const request = (r: number) => {
      const d = manyTraces(40, 5, r + 1);
      for (const sp of d.resourceSpans[0].scopeSpans[0].spans)
        sp.name = `r${r}-${sp.name}-Ω-${'x'.repeat(90)}`;
      return decodeTracesLazy(encodeTraces(d)); // routed on the wire
    };
    const want = new Map<string, string[]>();
    const add = (d: TracesData) => {
      for (const sp of decodeTracesLazy(encodeTraces(d)).resourceSpans[0].scopeSpans[0].spans)
        want.set(hexOf(sp.traceId), [...(want.get(hexOf(sp.traceId)) ?? []), sp.name]);
    };
    const reusesBefore = poolReuses();
    for (let r = 0; r < 4; r++) {
      const d = request(r);
      add(d);
      await e.consume('traces', d); // the down backend's parts wait in its queue (retried)
    }
    await waitFor(() => down.requests.length >= 4);
    resolver.set([endpoints[0], endpoints[2]]); // its parts go to the others now
    for (let r = 4; r < 12; r++) {
      const d = request(r);
      add(d);
      await e.consume('traces', d);
    }
    const at = () => {
      const got = new Map<string, string[]>();
      for (const i of [0, 2])
        for (const [tid, names] of tracesAt(s[i])) got.set(tid, [...(got.get(tid) ?? []), ...names]);
      return got;
    };
    await waitFor(() => [...at().values()].reduce((n, x) => n + x.length, 0) >= 12 * 200, 10_000);
    const got = at();
    expect(got.size).toBe(want.size);
    for (const [tid, names] of want) expect([...(got.get(tid) ?? [])].sort(), tid).toEqual([...names].sort());
    expect(poolReuses()).toBeGreaterThan(reusesBefore); // the split buffers came back and were used again
  });

  it('a new backend takes only its share; the data of the others stays where it was', async () => {
    const { servers: s, endpoints } = await backends(4);
    const resolver = new ManualResolver(endpoints.slice(0, 3));
    const e = exporterWith(resolver);
    await e.start(emptyHost);
    const data = manyTraces(400, 1);
    await e.consume('traces', data);
    await waitFor(() => s.slice(0, 3).reduce((n, x) => n + tracesAt(x).size, 0) === 400);
    const before = new Map<string, number>();
    s.forEach((x, i) => {
      for (const t of tracesAt(x).keys()) before.set(t, i);
    });
    resolver.set(endpoints);
    await waitFor(() => e.lb.endpoints().length === 4);
    for (const x of s) x.requests.length = 0;
    await e.consume('traces', manyTraces(400, 1));
    await waitFor(() => s.reduce((n, x) => n + tracesAt(x).size, 0) === 400);
    let moved = 0;
    s.forEach((x, i) => {
      for (const t of tracesAt(x).keys())
        if (before.get(t) !== i) {
          moved++;
          expect(i).toBe(3); // a trace only ever moves to the newcomer
        }
    });
    expect(moved).toBeGreaterThan(40);
    expect(moved).toBeLessThan(160);
  });

  it('refuses (retryably) while no backend is known, and reports which parts were refused', async () => {
    const e = exporterWith(new ManualResolver([]));
    await e.start(emptyHost);
    await expect(e.consume('traces', manyTraces(2, 1))).rejects.toMatchObject({ retryable: true });
  });

  it('sends the parts waiting for a busy backend together: each trace whole at its backend, every span once', async () => {
    const { servers: s, endpoints } = await backends(3);
    // each backend holds its first call until released, so the parts after it wait in its queue
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    for (const x of s)
      x.script = [
        async () => {
          await gate;
          return { code: 0 };
        },
        () => ({ code: 0 }),
      ];
    const e = exporterWith(new ManualResolver(endpoints), {
      protocol: {
        otlp: {
          tls: { insecure: true },
          compression: 'none',
          sending_queue: { num_consumers: 1, queue_size: 100 },
        },
      },
    });
    await e.start(emptyHost);
    const ring = new HashRing([...endpoints].sort());
    const expected = new Map<string, { at: string; names: string[] }>(); // trace → backend, span names
    const parts = new Map<string, number>(); // backend → parts handed to its queue
    const REQUESTS = 40;
    for (let r = 0; r < REQUESTS; r++) {
      const d = variedRequest(r);
      const touched = new Set<string>();
      for (const rs of d.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const sp of ss.spans) {
            const tid = hexOf(sp.traceId);
            const at = ring.endpointFor(sp.traceId) as string;
            touched.add(at);
            const t = expected.get(tid) ?? { at, names: [] };
            t.names.push(sp.name);
            expected.set(tid, t);
          }
      for (const at of touched) parts.set(at, (parts.get(at) ?? 0) + 1);
      // from many connections (the peer address does not keep parts apart)
      await e.consume('traces', d, { clientAddress: `127.0.0.1:${40000 + r}` }); // queued, answered at once
    }
    release();
    const total = [...expected.values()].reduce((n, t) => n + t.names.length, 0);
    const received = () =>
      s.reduce((n, x) => n + [...tracesAt(x).values()].reduce((m, names) => m + names.length, 0), 0);
    await waitFor(() => received() === total, 10_000);
    s.forEach((server, i) => {
      const got = tracesAt(server);
      for (const [tid, names] of got) {
        const want = expected.get(tid);
        expect(want?.at).toBe(endpoints[i]); // the whole trace at the backend the ring names
        expect([...names].sort()).toEqual([...(want?.names ?? [])].sort()); // each span once
      }
      const mine = [...expected.values()].filter((t) => t.at === endpoints[i]).length;
      expect(got.size).toBe(mine);
      // fewer calls than parts: what waited went together, none above the merge bound + one part
      expect(server.requests.length).toBeLessThan(parts.get(endpoints[i]) ?? 0);
      for (const req of server.requests.slice(1)) {
        let n = 0;
        for (const rs of req.body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) n += (ss.spans ?? []).length;
        expect(n).toBeLessThan(COALESCE_ITEMS + 30 * 7);
      }
    });
    expect(received()).toBe(total);
  });
});

describe('load_balancing exporter: parts of one event-loop turn', () => {
  it('sends the parts of requests taken in the same turn in one call per backend, while its workers are idle', async () => {
    const { servers: s, endpoints } = await backends(3);
    const e = exporterWith(new ManualResolver(endpoints)); // default queue: 10 idle workers per backend
    await e.start(emptyHost);
    const ring = new HashRing([...endpoints].sort());
    const expected = new Map<string, { at: string; names: string[] }>();
    const requests = Array.from({ length: 8 }, (_, r) => variedRequest(100 + r));
    for (const d of requests) expectAtOwners(expected, ring, d);
    // as a receiver hands over the requests read in one turn: each from its own I/O callback
    // (here timers due together: they run in one phase, microtasks drained after each)
    await Promise.all(
      requests.map(
        (d, r) =>
          new Promise<void>((resolve, reject) =>
            setTimeout(() => {
              e.consume('traces', d, { clientAddress: `10.0.0.${r}:4000` }).then(resolve, reject);
            }, 0),
          ),
      ),
    );
    const total = [...expected.values()].reduce((n, t) => n + t.names.length, 0);
    const received = () =>
      s.reduce((n, x) => n + [...tracesAt(x).values()].reduce((m, names) => m + names.length, 0), 0);
    await waitFor(() => received() === total, 10_000);
    s.forEach((server, i) => {
      const merged = server.requests.length;
      expect(merged).toBeGreaterThan(0);
      expect(merged).toBeLessThanOrEqual(2); // the first part, then all that came in its turn (bound: 512 items)
      for (const [tid, names] of tracesAt(server)) {
        const want = expected.get(tid);
        expect(want?.at).toBe(endpoints[i]);
        expect([...names].sort()).toEqual([...(want?.names ?? [])].sort());
      }
    });
    expect(received()).toBe(total);
  });

  it('does not wait for more: a request alone in its turn is sent alone', async () => {
    const { servers: s, endpoints } = await backends(1);
    const e = exporterWith(new ManualResolver(endpoints));
    await e.start(emptyHost);
    for (let r = 0; r < 3; r++) {
      await e.consume('traces', manyTraces(4, 2, r + 1));
      await waitFor(() => s[0].requests.length === r + 1); // sent without a timer or a next request
    }
    expect(s[0].requests).toHaveLength(3);
  });
});

describe('load_balancing exporter behind a batch processor', () => {
  const BATCH = { minSize: 100_000, maxSize: 0, flushTimeoutMs: 400 };

  it("merges its parts of many requests per backend in the backends' queues, answering each request at once", async () => {
    const { servers: s, endpoints } = await backends(3);
    const e = exporterWith(new ManualResolver(endpoints));
    // what the batch processor asks before the service starts; the processor then passes through
    expect(e.acceptBatching('traces', BATCH)).toBe(true);
    await e.start(emptyHost);
    const ring = new HashRing([...endpoints].sort());
    const expected = new Map<string, { at: string; names: string[] }>();
    const REQUESTS = 30;
    for (let r = 0; r < REQUESTS; r++) {
      const d = variedRequest(200 + r);
      expectAtOwners(expected, ring, d);
      // one request after the other, each answered before the next is sent (queued, not sent)
      await e.consume('traces', d, { clientAddress: `127.0.0.1:${41000 + r}` });
    }
    const total = [...expected.values()].reduce((n, t) => n + t.names.length, 0);
    const received = () =>
      s.reduce((n, x) => n + [...tracesAt(x).values()].reduce((m, names) => m + names.length, 0), 0);
    await waitFor(() => received() === total, 10_000);
    s.forEach((server, i) => {
      // the answered requests' parts went out together at the flush: far fewer calls than requests
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.length).toBeLessThanOrEqual(3);
      const got = tracesAt(server);
      for (const [tid, names] of got) {
        const want = expected.get(tid);
        expect(want?.at).toBe(endpoints[i]); // each trace whole at the backend the ring names
        expect([...names].sort()).toEqual([...(want?.names ?? [])].sort()); // each span once
      }
      expect(got.size).toBe([...expected.values()].filter((t) => t.at === endpoints[i]).length);
    });
    expect(received()).toBe(total);
  });

  it('leaves batching to the processor when there is no queue to take it, or the backends run already', async () => {
    const noQueue = exporterWith(new ManualResolver(['127.0.0.1:1']), {
      protocol: { otlp: { tls: { insecure: true }, sending_queue: { enabled: false } } },
    });
    expect(noQueue.acceptBatching('traces', BATCH)).toBe(false);
    // the exporter's own queue takes it (the per-backend queues are then off)
    const own = exporterWith(new ManualResolver(['127.0.0.1:1']), { sending_queue: { queue_size: 10 } });
    expect(own.acceptBatching('traces', BATCH)).toBe(true);
    const { endpoints } = await backends(1);
    const running = exporterWith(new ManualResolver(endpoints));
    expect(running.acceptBatching('logs', BATCH)).toBe(true);
    await running.start(emptyHost);
    expect(running.acceptBatching('logs', BATCH)).toBe(true); // the same shape again (a reload)
    expect(running.acceptBatching('traces', BATCH)).toBe(false); // a running queue keeps its shape
  });
});

describe('load_balancing per-backend exporter config', () => {
  const cfg = (extra: Record<string, unknown>) =>
    loadBalancingConfigSchema.parse({ resolver: { static: { hostnames: ['a:1'] } }, ...extra });

  it("is protocol.otlp with the backend's endpoint; its memory queue merges only what already waits", () => {
    const c = backendConfig(
      cfg({ protocol: { otlp: { timeout: '1s', sending_queue: { queue_size: 20 } } } }),
      '10.0.0.1:4317',
    );
    expect(c.endpoint).toBe('10.0.0.1:4317');
    expect(c.timeout).toBe(1000);
    expect(c.sending_queue).toMatchObject({ enabled: true, queue_size: 20, num_consumers: 10 });
    expect(c.sending_queue.batch).toEqual({
      flush_timeout: 0,
      min_size: COALESCE_ITEMS,
      max_size: 0,
      sizer: 'items',
    });
  });

  it('keeps a batch of its own, and leaves a persistent or disabled queue as configured', () => {
    const own = backendConfig(
      cfg({ protocol: { otlp: { sending_queue: { batch: { min_size: 100, flush_timeout: '1s' } } } } }),
      'b:1',
    );
    expect(own.sending_queue.batch).toMatchObject({ min_size: 100, flush_timeout: 1000 });
    const stored = backendConfig(
      cfg({ protocol: { otlp: { sending_queue: { storage: 'file_storage' } } } }),
      'b:1',
    );
    expect(stored.sending_queue.batch).toBeUndefined();
    const off = backendConfig(cfg({ protocol: { otlp: { sending_queue: { enabled: false } } } }), 'b:1');
    expect(off.sending_queue).toMatchObject({ enabled: false });
    expect(off.sending_queue.batch).toBeUndefined();
  });

  it("disables the per-backend queue when the exporter's own sending_queue is on (as the collector)", () => {
    const c = backendConfig(cfg({ sending_queue: { queue_size: 50 } }), 'b:1');
    expect(c.sending_queue.enabled).toBe(false);
    expect(backendConfig(cfg({}), 'b:1').sending_queue.enabled).toBe(true);
  });
});
