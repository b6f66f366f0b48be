// OTLP -> Jaeger -> OTLP through Tsunagi's own jaeger exporter and receiver
// returns the input, for every field Jaeger can represent.
import { describe, expect, it } from 'vitest';
import { factory } from '../exporters/jaeger/factory.js';
import { factory as receiverFactory } from '../receivers/jaeger/factory.js';
import type { JaegerReceiver } from '../receivers/jaeger/receiver.js';
import { CollectingConsumer, emptyHost, testSettings } from './support/component.js';
import { input } from './support/jaeger-otlp-fixture.js';

describe('OTLP -> Jaeger -> OTLP through Tsunagi exporter and receiver', () => {
  for (const protocol of ['grpc', 'thrift_http'] as const) {
    it(`returns the input (${protocol})`, async () => {
      const sink = new CollectingConsumer<'traces'>();
      const rcfg = receiverFactory.configSchema.parse({
        protocols: { [protocol]: { endpoint: '127.0.0.1:0' } },
      });
      const receiver = receiverFactory.create(testSettings('jaeger'), rcfg, {
        traces: sink,
      }) as JaegerReceiver;
      await receiver.start(emptyHost);
      const port = receiver.ports[protocol];
      const ecfg = factory.configSchema.parse(
        protocol === 'grpc'
          ? { endpoint: `127.0.0.1:${port}`, tls: { insecure: true } }
          : { protocol, endpoint: `http://127.0.0.1:${port}/api/traces` },
      );
      const exporter = factory.create(testSettings('jaeger', 'exporter'), ecfg, ['traces']);
      try {
        await exporter.start(emptyHost);
        await exporter.consume('traces', input());
        const end = Date.now() + 5000;
        while (sink.received.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        expect({ resourceSpans: sink.received.flatMap((td) => td.resourceSpans) }).toEqual(input());
      } finally {
        await exporter.shutdown();
        await receiver.shutdown();
      }
    });
  }
});
