import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Consumer } from '../component/consumer.js';
import { ConsumerError } from '../component/errors.js';
import { validateConfig } from '../config/validate.js';
import { getAttr } from '../pdata/attributes.js';
import type { TracesData } from '../pdata/types.js';
import { silentLogger } from '../telemetry/logger.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';
import { Service, StartError } from './service.js';
import { Recorder, traces } from './test-fakes.js';

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

function make(yaml: string, rec = new Recorder(), opts: { shutdownTimeoutMs?: number } = {}) {
  const r = validateConfig(parseYaml(yaml), rec.registry());
  expect(r.errors).toEqual([]);
  const svc = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics(), ...opts });
  services.push(svc);
  return { svc, rec };
}
const NO_METRICS = 'telemetry: {metrics: {level: none}}';
const tracesIn = (rec: Recorder, id = 'rcv') => rec.receivers.get(id)!.traces as Consumer<'traces'>;
const resourceAttr = (d: unknown, key: string) =>
  getAttr((d as TracesData).resourceSpans[0].resource.attributes, key);

describe('graph and fan-out', () => {
  it('fans a receiver out to every pipeline of its signal; shares one exporter instance', async () => {
    const { svc, rec } = make(`
receivers: {rcv: , rcv/other: }
processors: {pass: }
exporters: {exp: , exp/b: }
service:
  ${NO_METRICS}
  pipelines:
    traces/a: {receivers: [rcv], processors: [pass], exporters: [exp]}
    traces/b: {receivers: [rcv, rcv/other], exporters: [exp, exp/b]}
    logs: {receivers: [rcv/other], exporters: [exp]}
`);
    await svc.start();
    expect(Object.keys(rec.receivers.get('rcv')!)).toEqual(['traces']);
    expect(Object.keys(rec.receivers.get('rcv/other')!).sort()).toEqual(['logs', 'traces']);
    expect([...rec.exporterSignals.get('exp')!].sort()).toEqual(['logs', 'traces']);
    const data = traces();
    await tracesIn(rec).consume(data);
    // exp gets it from both pipelines (one instance), exp/b once; read-only branches share.
    expect(rec.exported.get('exp')).toEqual([data, data]);
    expect(rec.exported.get('exp')![0]).toBe(data);
    expect(rec.exported.get('exp/b')![0]).toBe(data);
  });

  it('gives mutating branches their own copy and read-only branches the untouched original', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
processors: {tag: }
exporters: {exp: , mutexp: , mutexp/2: }
service:
  ${NO_METRICS}
  pipelines:
    traces/ro: {receivers: [rcv], exporters: [exp, mutexp, mutexp/2]}
    traces/tagging: {receivers: [rcv], processors: [tag], exporters: [exp]}
`);
    await svc.start();
    const data = traces();
    await tracesIn(rec).consume(data);
    // traces/ro is a mutating pipeline (it has mutating exporters), traces/tagging too (tag):
    // no read-only branch at the receiver, so the last one takes the original.
    const [fromRo, fromTagging] = rec.exported.get('exp')!;
    expect(resourceAttr(fromTagging, 'tagged')).toEqual({ stringValue: 'yes' });
    expect(resourceAttr(fromRo, 'tagged')).toBeUndefined();
    expect(resourceAttr(fromRo, 'touched')).toBeUndefined(); // exp (read-only) was not touched by mutexp
    const m1 = rec.exported.get('mutexp')![0];
    const m2 = rec.exported.get('mutexp/2')![0];
    expect(m1).not.toBe(m2);
    expect(resourceAttr(m1, 'touched')).toEqual({ stringValue: 'mutexp' });
    expect(resourceAttr(m2, 'touched')).toEqual({ stringValue: 'mutexp/2' });
  });

  it('acks only when all exporters accepted; aggregates errors; a failing exporter does not block another', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
exporters: {exp/ok: , exp/perm: , exp/retry: , exp/hang: }
service:
  ${NO_METRICS}
  pipelines:
    traces/1: {receivers: [rcv], exporters: [exp/perm, exp/ok]}
    traces/2: {receivers: [rcv], exporters: [exp/perm, exp/retry, exp/ok]}
`);
    rec.exporterMode.set('exp/perm', 'fail-permanent');
    rec.exporterMode.set('exp/retry', 'fail-retryable');
    await svc.start();
    const err = await tracesIn(rec)
      .consume(traces())
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true); // one branch failed retryably
    expect(err.message).toBe(
      'traces/1: exp/perm: backend said 400; traces/2: exp/perm: backend said 400; exp/retry: connection refused',
    );
    expect(rec.exported.get('exp/ok')).toHaveLength(2);

    // Only permanent failures → permanent.
    rec.exporterMode.set('exp/retry', 'ok');
    const perm = await tracesIn(rec)
      .consume(traces())
      .catch((e) => e);
    expect(perm.retryable).toBe(false);
  });

  it('a hanging exporter delays the ack but not delivery to the others', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
exporters: {exp/ok: , exp/hang: }
service:
  ${NO_METRICS}
  pipelines: {traces: {receivers: [rcv], exporters: [exp/hang, exp/ok]}}
`);
    rec.exporterMode.set('exp/hang', 'hang');
    await svc.start();
    let acked = false;
    void tracesIn(rec)
      .consume(traces())
      .then(() => {
        acked = true;
      });
    await new Promise((r) => setImmediate(r));
    expect(rec.exported.get('exp/ok')).toHaveLength(1);
    expect(acked).toBe(false);
  });
});

describe('lifecycle', () => {
  const CONFIG = `
extensions: {ext/a: , ext/b: }
receivers: {rcv: }
processors: {pass: , holder: }
exporters: {exp: }
service:
  extensions: [ext/a, ext/b]
  ${NO_METRICS}
  pipelines:
    traces: {receivers: [rcv], processors: [holder, pass], exporters: [exp]}
`;
  it('starts extensions, exporters, processors, receivers; stops in reverse, flushing held data', async () => {
    const { svc, rec } = make(CONFIG);
    expect(svc.pipelinesReady()).toBe(false);
    await svc.start();
    expect(svc.pipelinesReady()).toBe(true);
    expect(svc.host.getExtension('ext/a')).toBeDefined();
    await tracesIn(rec).consume(traces('held'));
    expect(rec.exported.get('exp')).toBeUndefined();
    expect(await svc.shutdown()).toBe(true);
    expect(svc.pipelinesReady()).toBe(false);
    expect(rec.events).toEqual([
      'start ext/a',
      'start ext/b',
      'start exp',
      'start pass@traces',
      'start holder@traces',
      'start rcv',
      'shutdown rcv',
      'shutdown holder@traces flushing 1',
      'shutdown pass@traces',
      'shutdown exp',
      'shutdown ext/b',
      'shutdown ext/a',
    ]);
    // The flushed batch went through `pass` (still running) to the exporter.
    expect(rec.exported.get('exp')).toHaveLength(1);
  });

  it('a start failure shuts down what started and reports the component', async () => {
    const rec = new Recorder();
    rec.startFailures.add('pass@traces');
    const { svc } = make(CONFIG, rec);
    const err = await svc.start().catch((e) => e);
    expect(err).toBeInstanceOf(StartError);
    expect(err.message).toBe(
      'failed to start processor "pass" in pipeline "traces": pass@traces cannot bind',
    );
    expect(rec.events).toEqual([
      'start ext/a',
      'start ext/b',
      'start exp',
      'shutdown exp',
      'shutdown ext/b',
      'shutdown ext/a',
    ]);
  });

  it('gives up after the shutdown deadline', async () => {
    const rec = new Recorder();
    const { svc } = make(CONFIG, rec, { shutdownTimeoutMs: 50 });
    await svc.start();
    rec.exporterMode.set('exp', 'hang');
    await tracesIn(rec).consume(traces()); // held by `holder`; its flush will hang
    expect(await svc.shutdown()).toBe(false);
  });
});

describe('self-telemetry endpoint', () => {
  it('counts otelcol_processor_incoming/outgoing_items per processor and signal', async () => {
    const rec = new Recorder();
    const r = validateConfig(
      parseYaml(`
receivers: {rcv: }
processors: {pass: , holder: }
exporters: {exp: }
service:
  ${NO_METRICS}
  pipelines:
    traces: {receivers: [rcv], processors: [pass, holder], exporters: [exp]}
    logs: {receivers: [rcv], processors: [pass], exporters: [exp]}
`),
      rec.registry(),
    );
    const metrics = new SelfMetrics();
    const svc = new Service(r.config!, { logger: silentLogger(), metrics });
    services.push(svc);
    await svc.start();
    const two = traces('a');
    two.resourceSpans[0].scopeSpans[0].spans.push({ ...two.resourceSpans[0].scopeSpans[0].spans[0] });
    await tracesIn(rec).consume(two);
    await tracesIn(rec).consume(traces('b'));
    const value = async (what: string, processor: string, signal = 'traces') => {
      const m = (await metrics.registry.getSingleMetric(`otelcol_processor_${what}_items_total`)?.get())
        ?.values;
      return m?.find((v) => v.labels.processor === processor && v.labels.otel_signal === signal)?.value ?? 0;
    };
    expect(await value('incoming', 'pass')).toBe(3);
    expect(await value('outgoing', 'pass')).toBe(3);
    expect(await value('incoming', 'holder')).toBe(3);
    // The holder has emitted nothing yet; the logs pipeline saw nothing.
    expect(await value('outgoing', 'holder')).toBe(0);
    expect(await value('incoming', 'pass', 'logs')).toBe(0);
    await svc.shutdown();
    expect(await value('outgoing', 'holder')).toBe(3);
    expect(await metrics.render()).toContain(
      'otelcol_processor_incoming_items_total{processor="holder",otel_signal="traces"} 3',
    );
  });

  it('serves otelcol_* metrics in Prometheus format on /metrics', async () => {
    const rec = new Recorder();
    const r = validateConfig(
      parseYaml(`
receivers: {rcv: }
exporters: {exp: }
service:
  telemetry:
    metrics: {readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: 0}}}}]}
    resource: {service.name: tsunagi-test}
  pipelines: {traces: {receivers: [rcv], exporters: [exp]}}
`),
      rec.registry(),
    );
    const metrics = new SelfMetrics({ processMetrics: true });
    const svc = new Service(r.config!, { logger: silentLogger(), metrics });
    services.push(svc);
    await svc.start();
    metrics.receiver('otlp', 'grpc').accepted('traces', 3);
    const [port] = svc.metricsPorts();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('otelcol_receiver_accepted_spans_total{receiver="otlp",transport="grpc"} 3');
    expect(text).toMatch(/^otelcol_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^otelcol_process_uptime_seconds_total \d/m);
    expect(text).toMatch(/^otelcol_process_memory_rss_bytes \d/m);
    expect(text).toContain('target_info{service_name="tsunagi-test"} 1');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    await svc.shutdown();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('a port in use fails the start with a clear error', async () => {
    const rec = new Recorder();
    const yaml = (port: number) => `
receivers: {rcv: }
exporters: {exp: }
service:
  telemetry: {metrics: {address: "127.0.0.1:${port}"}}
  pipelines: {traces: {receivers: [rcv], exporters: [exp]}}
`;
    const first = new Service(validateConfig(parseYaml(yaml(0)), rec.registry()).config!, {
      logger: silentLogger(),
      metrics: new SelfMetrics(),
    });
    services.push(first);
    await first.start();
    const port = first.metricsPorts()[0];
    const second = new Service(validateConfig(parseYaml(yaml(port)), rec.registry()).config!, {
      logger: silentLogger(),
      metrics: new SelfMetrics(),
    });
    const err = await second.start().catch((e) => e);
    expect(err.message).toMatch(
      new RegExp(`failed to start telemetry metrics endpoint "127.0.0.1:${port}": .*EADDRINUSE`),
    );
    expect(rec.events.filter((e) => e.startsWith('start'))).toHaveLength(2); // only the first service's
  });
});

describe('shutdown while starting', () => {
  it('waits for the start to finish, then stops everything without reporting ready', async () => {
    const rec = new Recorder();
    let open: () => void = () => {};
    rec.startGates.set(
      'rcv',
      new Promise<void>((r) => {
        open = r;
      }),
    );
    const { svc } = make(
      `
receivers: {rcv: }
exporters: {exp: }
service:
  ${NO_METRICS}
  pipelines: {traces: {receivers: [rcv], exporters: [exp]}}
`,
      rec,
    );
    const started = svc.start();
    const stopped = svc.shutdown();
    open();
    await started;
    expect(await stopped).toBe(true);
    expect(svc.pipelinesReady()).toBe(false);
    expect(rec.events).toEqual(['start exp', 'start rcv', 'shutdown rcv', 'shutdown exp']);
  });
});
