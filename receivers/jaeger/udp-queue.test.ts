// queue_size and workers: with the pipeline blocked, `workers` datagrams are in
// flight, `queue_size` wait, the rest are dropped and counted; nothing waiting is lost.
import dgram from 'node:dgram';
import { afterAll, expect, it } from 'vitest';
import type { Consumer } from '../../src/component/consumer.js';
import { countSpans } from '../../src/pdata/count.js';
import type { TracesData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { encodeEmitBatch } from '../../test/support/jaeger-peer.js';
import { factory } from './factory.js';
import type { JaegerReceiver } from './receiver.js';

class GatedSink implements Consumer<'traces'> {
  spans = 0;
  private gate: Promise<void>;
  open!: () => void;
  constructor() {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  async consume(td: TracesData): Promise<void> {
    await this.gate;
    this.spans += countSpans(td);
  }
}

let receiver: JaegerReceiver | undefined;
afterAll(async () => receiver?.shutdown());

async function until(what: string, f: () => boolean) {
  const end = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

it('drops datagrams beyond workers + queue_size and counts them', async () => {
  const sink = new GatedSink();
  const metrics = new SelfMetrics();
  const cfg = factory.configSchema.parse({
    protocols: { thrift_compact: { endpoint: '127.0.0.1:0', workers: 1, queue_size: 2 } },
  });
  receiver = factory.create(testSettings('jaeger', 'receiver', metrics), cfg, {
    traces: sink,
  }) as JaegerReceiver;
  await receiver.start(emptyHost);
  const payload = encodeEmitBatch(
    {
      process: { serviceName: 's' },
      spans: [{ traceIdLow: 1, spanId: 1, operationName: 'x', startTime: 1, duration: 1 }],
    },
    'compact',
  );
  const sock = dgram.createSocket('udp4');
  for (let i = 0; i < 6; i++)
    await new Promise<void>((r) =>
      sock.send(payload, receiver?.ports.thrift_compact, '127.0.0.1', () => r()),
    );
  sock.close();
  await until('6 datagrams read', () => receiver?.udpStats().received === 6);
  expect(receiver.udpStats().dropped).toBe(3);
  sink.open();
  await until('3 spans delivered', () => sink.spans === 3);
  const dropped = await metrics.registry
    .getSingleMetric('otelcol_receiver_jaeger_udp_dropped_datagrams_total')
    ?.get();
  expect(dropped?.values[0]).toMatchObject({
    value: 3,
    labels: { receiver: 'jaeger', transport: 'udp_thrift_compact' },
  });
});
