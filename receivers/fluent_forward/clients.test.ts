// The receiver against the real npm forward clients: @fluent-org/logger (every
// event mode, acks, shared-key handshake with user auth) and fluent-logger
// (Message, PackedForward, CompressedPackedForward with requireAckResponse).
import { EventTime, FluentClient } from '@fluent-org/logger';
import fluentLogger from 'fluent-logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryableError } from '../../src/component/errors.js';
import type { AnyValue, LogRecord } from '../../src/pdata/types.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer, until } from '../../test/support/gated-consumer.js';
import { factory } from './factory.js';
import type { FluentForwardReceiver } from './receiver.js';

const consumer = new TestConsumer<'logs'>();
let rx: FluentForwardReceiver;
let secured: FluentForwardReceiver;
const securedConsumer = new TestConsumer<'logs'>();

function start(cfg: Record<string, unknown>, c: TestConsumer<'logs'>) {
  const config = factory.configSchema.parse({ endpoint: '127.0.0.1:0', ...cfg });
  const r = factory.create(testSettings('fluent_forward'), config, { logs: c }) as FluentForwardReceiver;
  return r.start(emptyHost).then(() => r);
}

beforeAll(async () => {
  rx = await start({}, consumer);
  secured = await start(
    {
      security: {
        shared_key: 'k3y',
        self_hostname: 'tsunagi-test',
        user_auth: true,
        users: [{ username: 'alice', password: 's3cret' }],
      },
    },
    securedConsumer,
  );
});
afterAll(async () => {
  await rx.shutdown();
  await secured.shutdown();
});
afterEach(() => {
  consumer.reset();
  securedConsumer.reset();
});

/** fluent-logger's typings lack end(), on() and several options it has. */
interface LegacySender {
  emit(...args: unknown[]): void;
  end(): void;
  on(event: string, f: (e: Error) => void): void;
}
const legacySender = (tag: string, opts: Record<string, unknown>) =>
  fluentLogger.createFluentSender(tag, opts as never) as unknown as LegacySender;

const records = (c: TestConsumer<'logs'>): LogRecord[] =>
  c.received.flatMap((d) => d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)));
const attr = (r: LogRecord, key: string): AnyValue | undefined =>
  r.attributes.find((a) => a.key === key)?.value;

describe('@fluent-org/logger', () => {
  for (const eventMode of ['Message', 'Forward', 'PackedForward', 'CompressedPackedForward'] as const) {
    it(`${eventMode} with acks: every event arrives with its tag, body, attributes and time`, async () => {
      const client = new FluentClient('app', {
        eventMode,
        socket: { host: '127.0.0.1', port: rx.port, timeout: -1 },
        ack: { ackTimeout: 5000 },
        milliseconds: true,
      });
      try {
        const sent: Promise<void>[] = [];
        for (let i = 0; i < 5; i++) {
          sent.push(
            client.emit(
              'web',
              { log: `line ${i}`, n: i, ok: i % 2 === 0, nested: { a: [1, 'x'] } },
              new EventTime(1_700_000_000 + i, 123_000_000),
            ),
          );
        }
        await Promise.all(sent); // resolves only when acknowledged
        const got = records(consumer);
        expect(got.map((r) => r.body)).toEqual([0, 1, 2, 3, 4].map((i) => ({ stringValue: `line ${i}` })));
        for (const [i, r] of got.entries()) {
          expect(r.timeUnixNano).toBe(BigInt(1_700_000_000 + i) * 1_000_000_000n + 123_000_000n);
          expect(attr(r, 'fluent.tag')).toEqual({ stringValue: 'app.web' });
          expect(attr(r, 'n')).toEqual({ intValue: BigInt(i) });
          expect(attr(r, 'ok')).toEqual({ boolValue: i % 2 === 0 });
          expect(attr(r, 'nested')).toEqual({
            kvlistValue: {
              values: [
                { key: 'a', value: { arrayValue: { values: [{ intValue: 1n }, { stringValue: 'x' }] } } },
              ],
            },
          });
        }
      } finally {
        await client.shutdown();
      }
    });
  }

  it('gets its ack only after the pipeline accepted the events', async () => {
    const client = new FluentClient('gate', {
      eventMode: 'Message',
      socket: { host: '127.0.0.1', port: rx.port, timeout: -1 },
      ack: { ackTimeout: 10_000 },
    });
    try {
      consumer.hold();
      let acked = false;
      const p = client.emit('x', { message: 'held' }).then(() => {
        acked = true;
      });
      await until(() => consumer.calls === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(acked).toBe(false);
      consumer.open();
      await p;
      expect(acked).toBe(true);
      expect(records(consumer).map((r) => r.body)).toEqual([{ stringValue: 'held' }]);
    } finally {
      await client.shutdown();
    }
  });

  it('a retryable refusal is not acknowledged: the client retries and the events arrive once the pipeline recovers', async () => {
    const client = new FluentClient('retry', {
      eventMode: 'PackedForward',
      socket: { host: '127.0.0.1', port: rx.port, timeout: -1, reconnect: { delay: 20, minDelay: 20 } },
      ack: { ackTimeout: 300 },
      eventRetry: { attempts: 20, delay: 20, backoff: 1, minDelay: 20, maxDelay: 50 },
    });
    try {
      consumer.failWith = retryableError('queue full');
      const p = client.emit('x', { log: 'eventually' });
      await until(() => consumer.calls >= 1);
      consumer.failWith = undefined;
      await p;
      expect(records(consumer).map((r) => r.body)).toEqual([{ stringValue: 'eventually' }]);
    } finally {
      await client.shutdown();
    }
  });

  it('completes the shared-key handshake with user auth; a wrong key or password gets no data in', async () => {
    const good = new FluentClient('sec', {
      eventMode: 'Forward',
      socket: { host: '127.0.0.1', port: secured.port, timeout: -1 },
      security: { clientHostname: 'client-1', sharedKey: 'k3y', username: 'alice', password: 's3cret' },
      ack: { ackTimeout: 5000 },
    });
    try {
      await good.emit('ok', { log: 'authenticated' });
      expect(records(securedConsumer).map((r) => r.body)).toEqual([{ stringValue: 'authenticated' }]);
    } finally {
      await good.shutdown();
    }
    for (const security of [
      { clientHostname: 'client-2', sharedKey: 'wrong', username: 'alice', password: 's3cret' },
      { clientHostname: 'client-3', sharedKey: 'k3y', username: 'alice', password: 'nope' },
    ]) {
      const bad = new FluentClient('sec', {
        eventMode: 'Message',
        socket: { host: '127.0.0.1', port: secured.port, timeout: -1, disableReconnect: true },
        security,
        ack: { ackTimeout: 300 },
      });
      const errors: Error[] = [];
      bad.socketOn('error' as never, (e: Error) => errors.push(e));
      let acked = false;
      bad.emit('no', { log: 'must not arrive' }).then(
        () => {
          acked = true;
        },
        () => {},
      );
      await bad.connect().catch((e: Error) => errors.push(e));
      // the server answers PONG with the reason and closes: the client reports it
      await until(() => errors.some((e) => /mismatch/.test(e.message)));
      await bad.shutdown().catch(() => {});
      expect(acked).toBe(false);
    }
    expect(records(securedConsumer)).toHaveLength(1);
  });
});

describe('fluent-logger', () => {
  for (const eventMode of ['Message', 'PackedForward', 'CompressedPackedForward'] as const) {
    it(`${eventMode} with requireAckResponse: events arrive and every callback is acknowledged`, async () => {
      const sender = legacySender('legacy', {
        host: '127.0.0.1',
        port: rx.port,
        eventMode,
        requireAckResponse: true,
        ackResponseTimeout: 5000,
        flushInterval: 5,
        internalLogger: { info() {}, error() {} } as never,
      });
      try {
        const acks = [0, 1, 2].map(
          (i) =>
            new Promise<void>((resolve, reject) =>
              sender.emit('svc', { message: `m${i}`, level: 'info' }, 1_700_000_000 + i, (err?: Error) =>
                err ? reject(err) : resolve(),
              ),
            ),
        );
        await Promise.all(acks);
        const got = records(consumer);
        expect(got.map((r) => r.body)).toEqual([0, 1, 2].map((i) => ({ stringValue: `m${i}` })));
        expect(got.map((r) => r.timeUnixNano)).toEqual(
          [0, 1, 2].map((i) => BigInt(1_700_000_000 + i) * 1_000_000_000n),
        );
        expect(got.map((r) => attr(r, 'fluent.tag'))).toEqual(
          [0, 1, 2].map(() => ({ stringValue: 'legacy.svc' })),
        );
        expect(got.map((r) => attr(r, 'level'))).toEqual([0, 1, 2].map(() => ({ stringValue: 'info' })));
      } finally {
        sender.end();
      }
    });
  }

  it('handshakes with the shared key (and a wrong key is refused)', async () => {
    const ok = legacySender('fl', {
      host: '127.0.0.1',
      port: secured.port,
      requireAckResponse: true,
      security: { clientHostname: 'legacy-client', sharedKey: 'k3y', username: 'alice', password: 's3cret' },
      internalLogger: { info() {}, error() {} } as never,
    });
    await new Promise<void>((resolve, reject) =>
      ok.emit('a', { message: 'via handshake' }, (err?: Error) => (err ? reject(err) : resolve())),
    );
    ok.end();
    expect(records(securedConsumer).map((r) => r.body)).toEqual([{ stringValue: 'via handshake' }]);

    const errors: string[] = [];
    const bad = legacySender('fl', {
      host: '127.0.0.1',
      port: secured.port,
      requireAckResponse: true,
      enableReconnect: false,
      security: {
        clientHostname: 'legacy-client',
        sharedKey: 'wrong',
        username: 'alice',
        password: 's3cret',
      },
      internalLogger: { info() {}, error: (m: unknown) => errors.push(String(m)) } as never,
    });
    bad.on('error', (e: Error) => errors.push(e.message));
    bad.emit('a', { message: 'never' });
    await until(() => errors.some((e) => /mismatch/.test(e)));
    bad.end();
    expect(records(securedConsumer)).toHaveLength(1);
  });
});
