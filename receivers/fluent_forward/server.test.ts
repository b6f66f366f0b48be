// Connection-level behaviour with a raw socket client: acks of hand-written
// frames, a malformed frame closing only its connection (logged), permanent
// refusals acknowledged, UDP heartbeats, Unix sockets, TLS (the fluent-logger
// client), max_connections, and a drain at shutdown.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fluentLogger from 'fluent-logger';
import { Packr, unpackMultiple } from 'msgpackr';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { permanentError } from '../../src/component/errors.js';
import type { LogRecord } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { factory } from './factory.js';
import type { FluentForwardReceiver } from './receiver.js';

const pack = (v: unknown) => new Packr({ useRecords: false, variableMapSize: true }).pack(v);
const open: FluentForwardReceiver[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) await r.shutdown();
});

async function start(cfg: Record<string, unknown> = {}, consumer = new TestConsumer<'logs'>()) {
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => logs.push(l) });
  const metrics = new SelfMetrics();
  const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...cfg });
  const r = factory.create({ ...testSettings('fluent_forward'), logger, metrics }, config, {
    logs: consumer,
  }) as FluentForwardReceiver;
  await r.start(emptyHost);
  open.push(r);
  return { r, consumer, logs, metrics };
}

/** A raw client that collects what the server sends (decoded msgpack values). */
async function client(target: { port?: number; path?: string }): Promise<{
  socket: Socket;
  answers: unknown[];
  closed: () => boolean;
}> {
  const socket = target.path ? connect(target.path) : connect(target.port!, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const answers: unknown[] = [];
  let closed = false;
  socket.on('data', (d) => answers.push(...(unpackMultiple(d) as unknown[])));
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  return { socket, answers, closed: () => closed };
}

const bodies = (c: TestConsumer<'logs'>) =>
  c.received.flatMap((d) =>
    d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r: LogRecord) => r.body))),
  );

describe('fluent_forward connections', () => {
  it('acks each chunk after the pipeline accepted it, for every mode in one stream', async () => {
    const { r, consumer } = await start();
    const c = await client({ port: r.port });
    const entries = Buffer.concat([pack([1, { log: 'p1' }]), pack([2, { log: 'p2' }])]);
    c.socket.write(
      Buffer.concat([
        pack(['m', 1, { log: 'm1' }, { chunk: 'A' }]),
        pack(['f', [[1, { log: 'f1' }]], { chunk: 'B' }]),
        Buffer.from([0xc0]), // keepalive nil: ignored
        pack(['p', entries, { chunk: 'C' }]),
        pack(['z', gzipSync(entries), { chunk: 'D', compressed: 'gzip' }]),
        pack(['n', 1, { log: 'no ack wanted' }]),
      ]),
    );
    await until(() => c.answers.length === 4 && bodies(consumer).length === 7);
    expect(c.answers).toEqual([{ ack: 'A' }, { ack: 'B' }, { ack: 'C' }, { ack: 'D' }]);
    expect(bodies(consumer).map((b) => (b as { stringValue: string }).stringValue)).toEqual([
      'm1',
      'f1',
      'p1',
      'p2',
      'p1',
      'p2',
      'no ack wanted',
    ]);
    c.socket.destroy();
  });

  it('a malformed frame closes only its connection, with a logged reason; frames before it are delivered', async () => {
    const { r, consumer, logs, metrics } = await start();
    const bad = await client({ port: r.port });
    const good = await client({ port: r.port });
    bad.socket.write(
      Buffer.concat([pack(['ok', 1, { log: 'before' }, { chunk: 'ok1' }]), pack(['t', 'x', 1, 2, 3])]),
    );
    await until(() => bad.closed());
    expect(bad.answers).toEqual([{ ack: 'ok1' }]);
    const line = logs.find((l) => l.includes('Malformed forward frame'));
    expect(line).toMatch(/forward frame has 2 to 4 elements/);
    good.socket.write(pack(['still', 1, { log: 'served' }, { chunk: 'g' }]));
    await until(() => good.answers.length === 1);
    expect(bodies(consumer)).toEqual([{ stringValue: 'before' }, { stringValue: 'served' }]);
    expect(await metrics.render()).toMatch(
      /otelcol_fluent_parse_failures_total\{receiver="fluent_forward"\} 1/,
    );
    good.socket.destroy();
  });

  it('acknowledges a permanently refused chunk (the sender drops it) and counts it refused', async () => {
    const consumer = new TestConsumer<'logs'>();
    consumer.failWith = permanentError('bad data');
    const { r, metrics, logs } = await start({}, consumer);
    const c = await client({ port: r.port });
    c.socket.write(pack(['t', 1, { log: 'x' }, { chunk: 'P' }]));
    await until(() => c.answers.length === 1);
    expect(c.answers).toEqual([{ ack: 'P' }]);
    expect(c.closed()).toBe(false);
    expect(await metrics.render()).toMatch(/otelcol_receiver_refused_log_records_total\{[^}]*\} 1/);
    expect(logs.find((l) => l.includes('refused by the pipeline'))).toMatch(/bad data/);
    c.socket.destroy();
  });

  it('echoes UDP heartbeats on the TCP port', async () => {
    const { r } = await start();
    const udp = createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => udp.once('message', resolve));
    udp.send(Buffer.from([0x00]), r.port, '127.0.0.1');
    expect([...(await reply)]).toEqual([0x00]);
    udp.close();
  });

  it('listens on a Unix socket (unix://path)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ff-')), 'fluent.sock');
    const { consumer } = await start({ endpoint: `unix://${path}` });
    const c = await client({ path });
    c.socket.write(pack(['u', 1, { log: 'over unix' }, { chunk: 'U' }]));
    await until(() => c.answers.length === 1);
    expect(bodies(consumer)).toEqual([{ stringValue: 'over unix' }]);
    c.socket.destroy();
  });

  it('serves TLS to fluent-logger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
        ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    );
    const { r, consumer } = await start({ tls: { cert_file: cert, key_file: key } });
    const sender = fluentLogger.createFluentSender('tls', {
      host: '127.0.0.1',
      port: r.port,
      tls: true,
      tlsOptions: { ca: readFileSync(cert) },
      requireAckResponse: true,
      internalLogger: { info() {}, error() {} },
    } as never) as unknown as { emit(...a: unknown[]): void; end(): void };
    await new Promise<void>((resolve, reject) =>
      sender.emit('s', { log: 'encrypted' }, (err?: Error) => (err ? reject(err) : resolve())),
    );
    sender.end();
    expect(bodies(consumer)).toEqual([{ stringValue: 'encrypted' }]);
  });

  it('max_connections: a connection over the cap waits unread, or is refused with refuse_over_limit', async () => {
    const { r, consumer } = await start({ max_connections: 1 });
    const first = await client({ port: r.port });
    const second = await client({ port: r.port });
    second.socket.write(pack(['w', 1, { log: 'waited' }, { chunk: 'W' }]));
    first.socket.write(pack(['f', 1, { log: 'first' }, { chunk: 'F' }]));
    await until(() => first.answers.length === 1);
    await new Promise((res) => setTimeout(res, 50));
    expect(second.answers).toEqual([]);
    first.socket.destroy();
    await until(() => second.answers.length === 1);
    expect(bodies(consumer)).toEqual([{ stringValue: 'first' }, { stringValue: 'waited' }]);
    second.socket.destroy();

    const refusing = await start({ max_connections: 1, refuse_over_limit: true });
    const a = await client({ port: refusing.r.port });
    const b = await client({ port: refusing.r.port });
    await until(() => b.closed());
    expect(a.closed()).toBe(false);
    a.socket.destroy();
  });

  it('shutdown delivers and acknowledges what was read, then closes', async () => {
    const consumer = new TestConsumer<'logs'>();
    const { r } = await start({}, consumer);
    const c = await client({ port: r.port });
    consumer.hold();
    c.socket.write(pack(['s', 1, { log: 'in flight' }, { chunk: 'S' }]));
    await until(() => consumer.calls === 1);
    const stopping = r.shutdown();
    open.splice(open.indexOf(r), 1);
    consumer.open();
    await stopping;
    await until(() => c.closed());
    expect(c.answers).toEqual([{ ack: 'S' }]);
  });
});
