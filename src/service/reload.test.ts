// Hot reload by difference (service.ts reload(), graph.ts reuse): what is kept
// keeps running untouched, what changed is rebuilt and drained, and a reload
// that cannot apply leaves the running graph as it was.
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Consumer } from '../component/consumer.js';
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

const NO_METRICS = 'telemetry: {metrics: {level: none}}';

function config(rec: Recorder, yaml: string) {
  const r = validateConfig(parseYaml(yaml), rec.registry());
  expect(r.errors).toEqual([]);
  return r.config!;
}

async function running(yaml: string) {
  const rec = new Recorder();
  const metrics = new SelfMetrics();
  const svc = new Service(config(rec, yaml), { logger: silentLogger(), metrics });
  services.push(svc);
  await svc.start();
  return { svc, rec, metrics };
}

/** The consumer a receiver was created with (the switch a reload repoints). */
const input = (rec: Recorder, id = 'rcv') => rec.receivers.get(id)!.traces as Consumer<'traces'>;
const since = (rec: Recorder, mark: number) => rec.events.slice(mark);

const BASE = `
receivers: {rcv: {port: 1}, rcv/b: {port: 2}}
processors: {pass: , holder: }
exporters: {exp: {endpoint: a}, exp/b: }
extensions: {ext: }
service:
  extensions: [ext]
  ${NO_METRICS}
  pipelines:
    traces: {receivers: [rcv], processors: [pass], exporters: [exp]}
    traces/b: {receivers: [rcv/b], processors: [holder], exporters: [exp/b]}
`;

describe('hot reload', () => {
  it('adding a processor rebuilds that pipeline only; the receiver and the exporter keep running', async () => {
    const { svc, rec } = await running(BASE);
    const before = input(rec);
    const mark = rec.events.length;
    const out = await svc.reload(
      config(
        rec,
        BASE.replace(
          'processors: [pass], exporters: [exp]',
          'processors: [tag, pass], exporters: [exp]',
        ).replace('holder: ', 'holder: , tag: '),
      ),
    );
    expect(out).toMatchObject({ ok: true, applied: true, errors: [] });
    expect(svc.reloadStatus().configGeneration).toBe(2);
    // the new chain started, the old one drained; nothing else was touched
    expect(since(rec, mark).sort()).toEqual(
      ['start pass@traces', 'start tag@traces', 'shutdown pass@traces'].sort(),
    );
    // the receiver still holds the consumer it was created with, which now runs the new chain
    expect(input(rec)).toBe(before);
    const data = traces();
    await input(rec).consume(data);
    expect(
      getAttr((rec.exported.get('exp')![0] as TracesData).resourceSpans[0].resource.attributes, 'tagged'),
    ).toEqual({
      stringValue: 'yes',
    });
  });

  it('a changed exporter is rebuilt, its pipelines with it; held data drains into the old instance first', async () => {
    const { svc, rec } = await running(BASE);
    await input(rec, 'rcv/b').consume(traces('held')); // the holder keeps it until shutdown
    const mark = rec.events.length;
    const out = await svc.reload(config(rec, BASE.replace('exp/b: ', 'exp/b: {endpoint: new}')));
    expect(out.ok).toBe(true);
    const ev = since(rec, mark);
    expect(ev).toContain('start exp/b');
    expect(ev).toContain('shutdown holder@traces/b flushing 1');
    // the old exporter stops only after the old pipeline flushed into it
    expect(ev.indexOf('shutdown exp/b')).toBeGreaterThan(ev.indexOf('shutdown holder@traces/b flushing 1'));
    expect(
      ev.filter((e) => e.includes('rcv') || e.includes(' exp') || e.includes('pass') || e.includes('ext')),
    ).toEqual(['start exp/b', 'shutdown exp/b']);
    expect(rec.exported.get('exp/b')).toHaveLength(1);
  });

  it('removing a pipeline stops its receiver and drains it; adding one starts it', async () => {
    const { svc, rec } = await running(BASE);
    const mark = rec.events.length;
    const next = BASE.replace(
      / {4}traces\/b:.*\n/,
      '    logs: {receivers: [rcv/c], exporters: [exp]}\n',
    ).replace('rcv/b: {port: 2}', 'rcv/c: ');
    const out = await svc.reload(config(rec, next));
    expect(out.ok).toBe(true);
    const ev = since(rec, mark);
    expect(ev).toEqual(
      expect.arrayContaining([
        'shutdown rcv/b',
        'shutdown holder@traces/b flushing 0',
        'shutdown exp/b',
        'start rcv/c',
      ]),
    );
    // exp gains a signal (logs): a new instance; the traces pipeline through it is rebuilt too
    expect(ev).toContain('start exp');
    expect(ev).not.toContain('shutdown rcv');
    expect(ev).not.toContain('shutdown ext');
  });

  it('an identical config keeps everything and still counts a generation', async () => {
    const { svc, rec, metrics } = await running(BASE);
    const mark = rec.events.length;
    expect((await svc.reload(config(rec, BASE))).ok).toBe(true);
    expect(since(rec, mark)).toEqual([]);
    const text = await metrics.render();
    expect(text).toMatch(/^otelcol_tsunagi_config_generation 2$/m);
    expect(text).toMatch(/^otelcol_tsunagi_config_last_reload_success 1$/m);
    expect(text).toMatch(/^otelcol_tsunagi_config_reloads_total\{outcome="applied"\} 1$/m);
  });

  it('refuses to change an extension live and keeps the running graph', async () => {
    const { svc, rec, metrics } = await running(BASE);
    const mark = rec.events.length;
    const out = await svc.reload(config(rec, BASE.replace('ext: }', 'ext: {x: 1}}')));
    expect(out).toMatchObject({ ok: false, applied: false });
    expect(out.errors[0]).toMatch(/^extensions::ext: .*restart/);
    expect(since(rec, mark)).toEqual([]);
    expect(svc.reloadStatus()).toMatchObject({ configGeneration: 1, lastReload: { ok: false } });
    expect(await metrics.render()).toMatch(/^otelcol_tsunagi_config_last_reload_success 0$/m);
  });

  it('a new component that fails to start rolls the reload back', async () => {
    const { svc, rec } = await running(BASE);
    rec.startFailures.add('exp/c');
    const before = input(rec);
    const mark = rec.events.length;
    const out = await svc.reload(
      config(
        rec,
        BASE.replace('exp/b: ', 'exp/b: , exp/c: ').replace('exporters: [exp]}', 'exporters: [exp, exp/c]}'),
      ),
    );
    expect(out.applied).toBe(false);
    expect(out.errors.join()).toMatch(/exp\/c cannot bind/);
    // exporters start first: it failed before anything else started; nothing running was touched
    expect(since(rec, mark)).toEqual([]);
    await before.consume(traces());
    expect(rec.exported.get('exp')).toHaveLength(1);
    expect(rec.exported.get('exp/c')).toBeUndefined();
    expect(svc.reloadStatus().configGeneration).toBe(1);
  });

  it('a processor that fails to start stops the parts of the reload that had started', async () => {
    const { svc, rec } = await running(BASE);
    rec.startFailures.add('tag@traces/new');
    const mark = rec.events.length;
    const out = await svc.reload(
      config(
        rec,
        BASE.replace('holder: ', 'holder: , tag: ')
          .replace('exp/b: ', 'exp/b: , exp/n: ')
          .replace(
            '    traces/b:',
            '    traces/new: {receivers: [rcv], processors: [pass, tag], exporters: [exp/n]}\n    traces/b:',
          ),
      ),
    );
    expect(out.applied).toBe(false);
    expect(out.errors.join()).toMatch(/tag@traces\/new cannot bind/);
    // the new exporter started and was stopped again; nothing that ran before was touched
    expect(since(rec, mark)).toEqual(['start exp/n', 'shutdown exp/n']);
    await input(rec).consume(traces());
    expect(rec.exported.get('exp')).toHaveLength(1);
    expect(rec.exported.get('exp/n')).toBeUndefined();
  });

  it('keeps a connector and the pipelines it feeds when only an upstream pipeline changes', async () => {
    const yaml = `
receivers: {rcv: }
processors: {pass: , tag: }
exporters: {exp: }
connectors: {fwd: }
service:
  ${NO_METRICS}
  pipelines:
    traces/in: {receivers: [rcv], processors: [pass], exporters: [fwd]}
    traces/out: {receivers: [fwd], processors: [pass], exporters: [exp]}
`;
    const { svc, rec } = await running(yaml);
    const mark = rec.events.length;
    const out = await svc.reload(
      config(
        rec,
        yaml.replace('processors: [pass], exporters: [fwd]', 'processors: [tag], exporters: [fwd]'),
      ),
    );
    expect(out.ok).toBe(true);
    expect(since(rec, mark).sort()).toEqual(['shutdown pass@traces/in', 'start tag@traces/in'].sort());
    await input(rec).consume(traces());
    expect(rec.exported.get('exp')).toHaveLength(1);
  });
});
