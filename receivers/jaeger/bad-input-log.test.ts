// A burst of garbage is logged once (not once per datagram), counted in full,
// and the receiver keeps serving.
import dgram from 'node:dgram';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, emptyHost } from '../../test/support/component.js';
import { encodeEmitBatch } from '../../test/support/jaeger-peer.js';
import { factory } from './factory.js';
import type { JaegerReceiver } from './receiver.js';

let receiver: JaegerReceiver | undefined;
afterAll(async () => receiver?.shutdown());

it('logs a burst of bad datagrams once and counts every one as refused', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const metrics = new SelfMetrics();
  const sink = new CollectingConsumer<'traces'>();
  const cfg = factory.configSchema.parse({ protocols: { thrift_compact: { endpoint: '127.0.0.1:0' } } });
  receiver = factory.create({ id: 'jaeger', kind: 'receiver', logger, metrics }, cfg, {
    traces: sink,
  }) as JaegerReceiver;
  await receiver.start(emptyHost);
  const port = receiver.ports.thrift_compact as number;
  const sock = dgram.createSocket('udp4');
  const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, port, '127.0.0.1', () => r()));
  for (let i = 0; i < 20; i++) await send(Buffer.from(`garbage ${i} \xff\xff\xff`));
  await send(
    encodeEmitBatch(
      {
        process: { serviceName: 's' },
        spans: [{ traceIdLow: 5, spanId: 6, operationName: 'still-alive', startTime: 1, duration: 1 }],
      },
      'compact',
    ),
  );
  sock.close();
  const end = Date.now() + 5000;
  while (sink.received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(sink.received).toHaveLength(1);
  const refused = await metrics.registry.getSingleMetric('otelcol_receiver_refused_spans_total')?.get();
  expect(refused?.values[0].value).toBe(20);
  const warnings = lines.filter((l) => l.msg === 'Bad Jaeger input refused');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ transport: 'udp_thrift_compact' });
});
