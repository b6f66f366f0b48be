// Dropped agent datagrams (receive queue full) are logged, rate-limited: the
// first at once, then one line per window with the count, the rest at shutdown.
import dgram from 'node:dgram';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Consumer } from '../../src/component/consumer.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { encodeEmitBatch } from '../../test/support/jaeger-peer.js';
import { DropLog } from './drop-log.js';
import { factory } from './factory.js';
import type { JaegerReceiver } from './receiver.js';

const MSG = 'Jaeger UDP datagrams dropped: the receive queue is full (raise queue_size or workers)';

function capture() {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { lines, logger, drops: () => lines.filter((l) => l.msg === MSG) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DropLog', () => {
  it('logs the first drop at once, then one line per 10 s window while drops go on', () => {
    vi.useFakeTimers();
    const { logger, drops } = capture();
    const log = new DropLog(logger, { transport: 'udp_thrift_compact' });
    log.drop(1);
    for (let i = 0; i < 500; i++) log.drop(1);
    expect(drops().map((l) => l.dropped)).toEqual([1]);
    vi.advanceTimersByTime(10_000);
    expect(drops().map((l) => l.dropped)).toEqual([1, 500]);
    log.drop(1);
    log.drop(1);
    vi.advanceTimersByTime(10_000);
    expect(drops().map((l) => l.dropped)).toEqual([1, 500, 2]);
    vi.advanceTimersByTime(60_000); // quiet: nothing more
    expect(drops()).toHaveLength(3);
    log.drop(3); // a new burst after a quiet window is logged at once again
    expect(drops().map((l) => l.dropped)).toEqual([1, 500, 2, 3]);
    log.drop(4);
    log.close(); // shutdown reports the open window
    expect(drops().map((l) => l.dropped)).toEqual([1, 500, 2, 3, 4]);
    expect(drops()[0]).toMatchObject({ level: 40, transport: 'udp_thrift_compact' });
  });
});

class BlockedSink implements Consumer<'traces'> {
  open!: () => void;
  private gate = new Promise<void>((r) => {
    this.open = r;
  });
  async consume(): Promise<void> {
    await this.gate;
  }
}

it('a full agent queue is logged (not only counted), with its settings', async () => {
  const { logger, drops } = capture();
  const sink = new BlockedSink();
  const cfg = factory.configSchema.parse({
    protocols: { thrift_compact: { endpoint: '127.0.0.1:0', workers: 1, queue_size: 1 } },
  });
  const receiver = factory.create(
    { id: 'jaeger', kind: 'receiver', logger, metrics: new SelfMetrics() },
    cfg,
    {
      traces: sink,
    },
  ) as JaegerReceiver;
  await receiver.start(emptyHost);
  const payload = encodeEmitBatch(
    {
      process: { serviceName: 's' },
      spans: [{ traceIdLow: 1, spanId: 1, operationName: 'x', startTime: 1, duration: 1 }],
    },
    'compact',
  );
  const sock = dgram.createSocket('udp4');
  for (let i = 0; i < 5; i++)
    await new Promise<void>((r) => sock.send(payload, receiver.ports.thrift_compact, '127.0.0.1', () => r()));
  sock.close();
  const end = Date.now() + 5000;
  while (receiver.udpStats().received < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(receiver.udpStats().dropped).toBe(3);
  expect(drops()).toHaveLength(1);
  expect(drops()[0]).toMatchObject({
    transport: 'udp_thrift_compact',
    queue_size: 1,
    workers: 1,
    dropped: 1,
  });
  sink.open();
  await receiver.shutdown();
  // The two drops after the first are in the shutdown line: every drop is in the log.
  expect(drops().map((l) => l.dropped)).toEqual([1, 2]);
});
