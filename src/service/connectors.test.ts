// The service with connectors: pipelines built downstream first, the accept
// promise through a connector, fan-out ownership across it, start and
// shutdown order, and batching requests reaching past pass-through connectors.
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Consumer } from '../component/consumer.js';
import { ConsumerError } from '../component/errors.js';
import { validateConfig } from '../config/validate.js';
import { getAttr } from '../pdata/attributes.js';
import type { TracesData } from '../pdata/types.js';
import { silentLogger } from '../telemetry/logger.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';
import { Service } from './service.js';
import { Recorder, traces } from './test-fakes.js';

const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.shutdown()));
});

function make(yaml: string, rec = new Recorder()) {
  const r = validateConfig(parseYaml(yaml), rec.registry());
  expect(r.errors).toEqual([]);
  const svc = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics() });
  services.push(svc);
  return { svc, rec };
}
const NO_METRICS = 'telemetry: {metrics: {level: none}}';
const tracesIn = (rec: Recorder, id = 'rcv') => rec.receivers.get(id)!.traces as Consumer<'traces'>;
const tagged = (d: unknown) => getAttr((d as TracesData).resourceSpans[0].resource.attributes, 'tagged');

describe('connectors in the service', () => {
  it('a pass-through connector answers when the pipelines it feeds accepted, with their refusals', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
exporters: {exp: , exp/b: }
connectors: {fwd: }
service:
  ${NO_METRICS}
  pipelines:
    traces/in: {receivers: [rcv], exporters: [fwd]}
    traces/out: {receivers: [fwd], exporters: [exp]}
    traces/out2: {receivers: [fwd], exporters: [exp/b]}
`);
    await svc.start();
    const data = traces();
    await tracesIn(rec).consume(data);
    expect(rec.exported.get('exp')).toEqual([data]);
    expect(rec.exported.get('exp/b')).toEqual([data]);

    rec.exporterMode.set('exp/b', 'fail-permanent');
    const err = (await tracesIn(rec)
      .consume(traces())
      .catch((e) => e)) as ConsumerError;
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('traces/out2');
    expect(err.message).toContain('backend said 400');

    rec.exporterMode.set('exp/b', 'hang');
    let answered = false;
    void tracesIn(rec)
      .consume(traces())
      .then(() => {
        answered = true;
      });
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false); // exp accepted, exp/b has not: no answer yet
  });

  it('counts what each connector took in, handed on and refused (the status page shows it)', async () => {
    const metrics = new SelfMetrics();
    const rec = new Recorder();
    const r = validateConfig(
      parseYaml(`
receivers: {rcv: }
exporters: {exp: }
connectors: {fwd: }
service:
  ${NO_METRICS}
  pipelines:
    traces/in: {receivers: [rcv], exporters: [fwd]}
    traces/out: {receivers: [fwd], exporters: [exp]}
    traces/out2: {receivers: [fwd], exporters: [exp]}
`),
      rec.registry(),
    );
    const svc = new Service(r.config!, { logger: silentLogger(), metrics });
    services.push(svc);
    await svc.start();
    const data = traces();
    const spans = data.resourceSpans[0].scopeSpans[0].spans.length;
    await tracesIn(rec).consume(data);
    const t = metrics.tallies.get('connector:fwd')!;
    // handed on once, fanned out to both pipelines (as a receiver's accepted items are counted once)
    expect([t.in, t.out, t.refused]).toEqual([spans, spans, 0]);
    rec.exporterMode.set('exp', 'fail-permanent');
    await tracesIn(rec)
      .consume(traces())
      .catch(() => {});
    expect([t.in, t.refused]).toEqual([2 * spans, spans]);
    expect(t.lastError?.message).toContain('backend said 400');
    const snap = svc.statusSource.snapshot();
    expect(snap.connectors).toEqual(['fwd']);
    expect(snap.components.find((c) => c.key === 'connector:fwd')?.counts?.in).toBe(2 * spans);
  });

  it('one instance per connector and signal pair, fed by every pipeline that exports to it', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
exporters: {exp: }
connectors: {fwd: , agg: }
service:
  ${NO_METRICS}
  pipelines:
    traces/a: {receivers: [rcv], exporters: [fwd, agg]}
    traces/b: {receivers: [rcv], exporters: [fwd]}
    logs: {receivers: [rcv], exporters: [agg]}
    traces/out: {receivers: [fwd], exporters: [exp]}
    metrics/counts: {receivers: [agg], exporters: [exp]}
`);
    await svc.start();
    expect(rec.connectorInstances.sort()).toEqual([
      'agg logs->metrics',
      'agg traces->metrics',
      'fwd traces->traces',
    ]);
    const data = traces();
    await tracesIn(rec).consume(data);
    // both traces pipelines fed fwd (fan-in): traces/out got the data twice; agg emitted twice
    expect(rec.exported.get('exp')!.filter((d) => d === data)).toHaveLength(2);
    expect(rec.exported.get('exp')!.filter((d) => 'resourceMetrics' in (d as object))).toHaveLength(1);
  });

  it('gives a connector branch a copy when a pipeline it feeds mutates, and keeps read-only ones shared', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
processors: {tag: }
exporters: {exp: , exp/b: , exp/c: }
connectors: {fwd: , fwd/ro: }
service:
  ${NO_METRICS}
  pipelines:
    traces/in: {receivers: [rcv], exporters: [exp, fwd, fwd/ro]}
    traces/tagging: {receivers: [fwd], processors: [tag], exporters: [exp/b]}
    traces/plain: {receivers: [fwd/ro], exporters: [exp/c]}
`);
    await svc.start();
    const data = traces();
    await tracesIn(rec).consume(data);
    expect(rec.exported.get('exp')![0]).toBe(data);
    expect(tagged(rec.exported.get('exp')![0])).toBeUndefined();
    expect(tagged(rec.exported.get('exp/b')![0])).toEqual({ stringValue: 'yes' });
    expect(rec.exported.get('exp/c')![0]).toBe(data); // read-only all the way: shared
  });

  it('starts a connector and the pipelines it feeds first; stops upstream first so held data drains through', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
processors: {holder: , pass: }
exporters: {exp: }
connectors: {fwd: }
service:
  ${NO_METRICS}
  pipelines:
    traces/in: {receivers: [rcv], processors: [holder], exporters: [fwd]}
    traces/out: {receivers: [fwd], processors: [pass], exporters: [exp]}
`);
    await svc.start();
    expect(rec.events).toEqual([
      'start exp',
      'start pass@traces/out',
      'start fwd',
      'start holder@traces/in',
      'start rcv',
    ]);
    rec.events.length = 0;
    const data = traces();
    await tracesIn(rec).consume(data); // held by `holder` until shutdown
    expect(rec.exported.get('exp')).toBeUndefined();
    expect(await svc.shutdown()).toBe(true);
    expect(rec.events).toEqual([
      'shutdown rcv',
      'shutdown holder@traces/in flushing 1',
      'shutdown fwd',
      'shutdown pass@traces/out',
      'shutdown exp',
    ]);
    expect(rec.exported.get('exp')).toEqual([data]);
  });

  it('a batching request passes through a pass-through connector to the exporters it feeds; an aggregating one takes it', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
processors: {batchlike: }
exporters: {bexp: , bexp/2: , exp: }
connectors: {fwd: , fwd/2: , agg: }
service:
  ${NO_METRICS}
  pipelines:
    traces/a: {receivers: [rcv], processors: [batchlike], exporters: [fwd]}
    traces/a-out: {receivers: [fwd], exporters: [bexp]}
    traces/b: {receivers: [rcv], processors: [batchlike], exporters: [fwd/2]}
    traces/b-out: {receivers: [fwd/2], exporters: [bexp/2, exp]}
    traces/c: {receivers: [rcv], processors: [batchlike], exporters: [agg]}
    metrics: {receivers: [agg], exporters: [exp]}
`);
    await svc.start();
    expect(rec.batchingAnswers.get('batchlike@traces/a')).toBe(true);
    expect(rec.batchingAsked.get('bexp')).toHaveLength(1);
    // `exp` cannot batch: the processor is told so (and must batch itself); bexp/2 was still asked
    expect(rec.batchingAnswers.get('batchlike@traces/b')).toBe(false);
    expect(rec.batchingAsked.get('bexp/2')).toHaveLength(1);
    // an aggregating connector answers its senders at once by itself
    expect(rec.batchingAnswers.get('batchlike@traces/c')).toBe(true);
  });

  it("a connector's next reaches all its pipelines or a named subset; other IDs are refused", async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
exporters: {exp/a: , exp/b: }
connectors: {fwd: }
service:
  ${NO_METRICS}
  pipelines:
    logs/in: {receivers: [rcv], exporters: [fwd]}
    logs/a: {receivers: [fwd], exporters: [exp/a]}
    logs/b: {receivers: [fwd], exporters: [exp/b]}
`);
    await svc.start();
    const next = rec.connectorNexts.get('fwd logs->logs')!;
    expect(next.pipelineIds).toEqual(['logs/a', 'logs/b']);
    const data = { resourceLogs: [] };
    await next.to(['logs/b']).consume(data);
    expect(rec.exported.get('exp/a')).toBeUndefined();
    expect(rec.exported.get('exp/b')).toEqual([data]);
    expect(() => next.to(['logs/c'])).toThrow(/cannot deliver to logs\/c: it feeds logs\/a, logs\/b/);
    expect(() => next.to([])).toThrow(/no pipeline/);
  });

  it('a chain of connectors: pipelines three deep start and stop in dependency order', async () => {
    const { svc, rec } = make(`
receivers: {rcv: }
processors: {pass: }
exporters: {exp: }
connectors: {fwd/1: , fwd/2: }
service:
  ${NO_METRICS}
  pipelines:
    traces/3: {receivers: [fwd/2], processors: [pass], exporters: [exp]}
    traces/1: {receivers: [rcv], processors: [pass], exporters: [fwd/1]}
    traces/2: {receivers: [fwd/1], processors: [pass], exporters: [fwd/2]}
`);
    await svc.start();
    expect(rec.events).toEqual([
      'start exp',
      'start pass@traces/3',
      'start fwd/2',
      'start pass@traces/2',
      'start fwd/1',
      'start pass@traces/1',
      'start rcv',
    ]);
    const data = traces();
    await tracesIn(rec).consume(data);
    expect(rec.exported.get('exp')).toEqual([data]);
    rec.events.length = 0;
    await svc.shutdown();
    expect(rec.events).toEqual([
      'shutdown rcv',
      'shutdown pass@traces/1',
      'shutdown fwd/1',
      'shutdown pass@traces/2',
      'shutdown fwd/2',
      'shutdown pass@traces/3',
      'shutdown exp',
    ]);
  });
});
