import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fakeRegistry } from '../../test/support/fake-factories.js';
import { Recorder, traces } from '../service/test-fakes.js';
import { parseArgs } from './args.js';
import { type CliIo, runCli } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-cli-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function capture(extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const io: Partial<CliIo> = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: {},
    createLogger: (level) =>
      pino(
        { level, base: undefined },
        new Writable({
          write(chunk, _enc, cb) {
            logs.push(JSON.parse(String(chunk)));
            cb();
          },
        }),
      ),
    ...extra,
  };
  return { io, out: () => out.join(''), err: () => err.join(''), logs };
}

const GOOD = `
receivers: {otlp: }
processors: {batch: , memory_limiter: {check_interval: 1s}}
exporters: {otlphttp: {endpoint: "http://x:4318"}}
service:
  pipelines: {logs: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}}
`;

describe('args', () => {
  it('accepts --config X, --config=X, --set and commands', () => {
    expect(parseArgs(['validate', '--config', 'a.yaml', '--config=env:B', '--set', 'a::b=1'])).toEqual({
      command: 'validate',
      configs: ['a.yaml', 'env:B', 'yaml:a::b: 1'],
      watch: false,
      errors: [],
    });
    expect(parseArgs(['--config-dir', 'teams', '--watch'])).toMatchObject({
      configDir: 'teams',
      watch: true,
    });
    expect(parseArgs(['--config']).errors).toEqual(['flag --config needs a value']);
    expect(parseArgs(['--bogus']).errors).toEqual(['unknown argument "--bogus"']);
  });
});

describe('tsunagi validate', () => {
  it('exits 0 and prints warnings for a valid config', async () => {
    const c = capture();
    expect(await runCli(['validate', '--config', file('good.yaml', GOOD)], fakeRegistry(), c.io)).toBe(0);
    expect(c.out()).toBe('Configuration is valid.\n');
    expect(c.err()).toBe(
      'warning: exporters::otlphttp: "otlphttp" alias is deprecated; use "otlp_http" instead\n' +
        'warning: processors::memory_limiter: processor is configured but not used in any pipeline\n',
    );
  });

  it('exits 1 and prints every error, one per line with its path', async () => {
    const c = capture({ env: { EP: 'x:1' } });
    const bad = file('bad.yaml', GOOD.replace('batch: ,', 'batch: {timeot: 1s},'));
    const code = await runCli(
      [
        'validate',
        `--config=file:${bad}`,
        '--config',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal env reference
        'yaml:exporters::otlphttp::endpont: ${env:EP}',
        '--set',
        'service::pipelines::logs::receivers=[otpl]',
      ],
      fakeRegistry(),
      c.io,
    );
    expect(code).toBe(1);
    expect(
      c
        .err()
        .split('\n')
        .filter((l) => !l.startsWith('warning:')),
    ).toEqual([
      'Error: invalid configuration (3 errors):',
      "processors::batch::timeot: unknown key (did you mean 'timeout'?)",
      "exporters::otlphttp::endpont: unknown key (did you mean 'endpoint'?)",
      `service::pipelines::logs::receivers::0: references receiver "otpl" which is not configured (did you mean 'otlp'?)`,
      '',
    ]);
  });

  it('validates the embedded default config when no --config is given', async () => {
    const c = capture();
    expect(await runCli(['validate'], fakeRegistry(), c.io)).toBe(0);
    expect(c.err()).toBe('');
  });
});

describe('tsunagi components, --help, --version', () => {
  it('lists every registered type per kind with signals and aliases', async () => {
    const c = capture();
    expect(await runCli(['components'], fakeRegistry(), c.io)).toBe(0);
    const doc = parseYaml(c.out());
    expect(doc.receivers.map((r: { name: string }) => r.name)).toEqual(['file_log', 'jaeger', 'otlp']);
    expect(doc.receivers[0]).toEqual({
      name: 'file_log',
      signals: ['logs'],
      deprecated_aliases: ['filelog'],
      description: 'fake file_log',
    });
    expect(doc.exporters.find((e: { name: string }) => e.name === 'otlp_http').deprecated_aliases).toEqual([
      'otlphttp',
    ]);
    expect(doc.extensions).toEqual([{ name: 'health_check', description: 'fake health_check' }]);
    expect(doc.connectors.map((r: { name: string }) => r.name)).toEqual(['count', 'forward', 'span_metrics']);
    expect(doc.connectors[2]).toEqual({
      name: 'span_metrics',
      signal_pairs: ['traces->metrics'],
      deprecated_aliases: ['spanmetrics'],
      description: 'fake span_metrics',
    });
  });

  it('prints help and version; bad arguments exit 2', async () => {
    const c = capture();
    expect(await runCli(['--help'], fakeRegistry(), c.io)).toBe(0);
    expect(c.out()).toContain('Usage: tsunagi');
    const v = capture();
    expect(await runCli(['--version'], fakeRegistry(), v.io)).toBe(0);
    expect(v.out()).toMatch(/^tsunagi version \d+\.\d+\.\d+/);
    const b = capture();
    expect(await runCli(['--nope'], fakeRegistry(), b.io)).toBe(2);
    expect(b.err()).toContain('Error: unknown argument "--nope"');
  });
});

describe('tsunagi (run)', () => {
  const RUN = `
receivers: {rcv: }
processors: {holder: }
exporters: {exp: }
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [rcv], processors: [holder], exporters: [exp]}}
`;
  it('runs until SIGTERM, then drains and exits 0', async () => {
    const rec = new Recorder();
    const signals = new EventEmitter();
    const c = capture({
      signals: signals as unknown as CliIo['signals'],
      onRunning: () => {
        void rec.receivers
          .get('rcv')!
          .traces!.consume(traces())
          .then(() => signals.emit('SIGTERM', 'SIGTERM'));
      },
    });
    const code = await runCli(['--config', file('run.yaml', RUN)], rec.registry(), c.io);
    expect(code).toBe(0);
    expect(rec.events.slice(-3)).toEqual([
      'shutdown rcv',
      'shutdown holder@traces flushing 1',
      'shutdown exp',
    ]);
    expect(rec.exported.get('exp')).toHaveLength(1);
    const msgs = c.logs.map((l) => l.msg);
    expect(msgs).toContain('Everything is ready. Begin running and processing data.');
    expect(msgs.slice(-3)).toEqual(['Received signal from OS', 'Starting shutdown...', 'Shutdown complete.']);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('a second signal forces exit', async () => {
    const rec = new Recorder();
    rec.exporterMode.set('exp', 'hang');
    const signals = new EventEmitter();
    const exits: number[] = [];
    let shutdownStarted: () => void = () => {};
    const c = capture({
      signals: signals as unknown as CliIo['signals'],
      exit: (code) => exits.push(code),
      env: { TSUNAGI_SHUTDOWN_TIMEOUT: '0.2' },
      onRunning: () => {
        void rec.receivers.get('rcv')!.traces!.consume(traces());
        signals.emit('SIGINT', 'SIGINT'); // drain hangs on the exporter
        setImmediate(() => {
          signals.emit('SIGTERM', 'SIGTERM');
          shutdownStarted();
        });
      },
    });
    const done = runCli(['--config', file('run2.yaml', RUN)], rec.registry(), c.io);
    await new Promise<void>((r) => {
      shutdownStarted = r;
    });
    expect(exits).toEqual([130]);
    // Without the forced exit the deadline (0.2 s) ends the shutdown, unclean.
    expect(await done).toBe(1);
  });

  it('an invalid config or a failing start exits 1 with the reason', async () => {
    const c = capture();
    expect(await runCli(['--config', 'yaml:receivers::nope: {}'], fakeRegistry(), c.io)).toBe(1);
    expect(c.err()).toContain('receivers::nope: unknown receiver type "nope"');
    const rec = new Recorder();
    rec.startFailures.add('rcv');
    const s = capture({ signals: new EventEmitter() as unknown as CliIo['signals'] });
    expect(await runCli(['--config', file('run3.yaml', RUN)], rec.registry(), s.io)).toBe(1);
    expect(s.logs.find((l) => l.msg === 'Failed to start')?.error).toBe(
      'failed to start receiver "rcv": rcv cannot bind',
    );
  });
});
