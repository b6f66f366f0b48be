// A small sending_queue.queue_size behind `batch`, through the real binary (issue 12):
// the batch processor hands its settings to the exporter's queue, and requests waiting
// there used to count against queue_size until their batch was sent. 20 requests of
// 100 spans filled the queue before one 8192-span batch formed, every sender was refused
// (429 + Retry-After 1 s) and the relay ran at ~1.8k spans/s. Now queue_size counts what
// waits to be batched: concurrent senders all get 200, batches fill by size, and SIGTERM
// still delivers the partial batch.
import { afterAll, expect, test } from 'vitest';
import { makeTraces } from '../bench/lib/traffic.js';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

let sink: OtlpSink;
afterAll(() => sink?.stop());

const SENDERS = 8;
const REQUESTS = 40;
const SPANS = 100;

test('queue_size 20 behind batch (send_batch_size 8192): no sender is refused, and SIGTERM delivers every span', async () => {
  sink = await new OtlpSink().start();
  const httpPort = await freePort();
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch: { send_batch_size: 8192, timeout: 30s }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
    compression: none
    sending_queue: { queue_size: 20, num_consumers: 4 }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`);
  const statuses = new Map<number, number>();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, s) => {
      for (let i = 0; i < REQUESTS; i++) {
        const res = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: Buffer.from(encodeTraces(makeTraces(SPANS, s * REQUESTS + i))),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  // every request answered 200: none refused with 429 while a batch formed
  expect(Object.fromEntries(statuses)).toEqual({ 200: SENDERS * REQUESTS });
  const total = SENDERS * REQUESTS * SPANS; // 32,000 spans: three full batches and a partial one
  const arrived = () =>
    sink.requests.traces.reduce(
      (n, r) =>
        n +
        r.resourceSpans.reduce(
          (m: number, rs: any) => m + rs.scopeSpans.reduce((k: number, ss: any) => k + ss.spans.length, 0),
          0,
        ),
      0,
    );
  // the full batches went out by size, without waiting for the 30 s timeout
  await waitFor(() => arrived() >= 3 * 8192, 'three full batches at the sink');
  expect(await tsunagi.stop('SIGTERM')).toBe(0);
  await waitFor(() => arrived() === total, 'every span at the sink after SIGTERM');
  expect(arrived()).toBe(total);
});
