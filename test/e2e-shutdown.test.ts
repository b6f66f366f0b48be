// Graceful shutdown through the real binary: data waiting for a batch to fill
// (`batch` with a long timeout: the exporter's queue batches for it) when SIGTERM
// arrives reaches the next hop before the process exits 0; the sender had its 200
// at once.
import { afterAll, expect, test } from 'vitest';
import { makeTraces } from '../bench/lib/traffic.js';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

let sink: OtlpSink;
afterAll(() => sink?.stop());

test('SIGTERM flushes the batch to the next hop, answers the sender, and exits 0', async () => {
  sink = await new OtlpSink().start();
  const httpPort = await freePort();
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
processors:
  batch: { timeout: 60s, send_batch_size: 100000 }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`);
  const body = Buffer.from(encodeTraces(makeTraces(25)));
  const response = fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  // Answered at once, while the data waits in the batch (nothing at the sink yet) when SIGTERM comes.
  expect((await response).status).toBe(200);
  await new Promise((r) => setTimeout(r, 300));
  expect(sink.requests.traces).toHaveLength(0);
  const code = await tsunagi.stop('SIGTERM');
  expect(code).toBe(0);
  await waitFor(() => sink.requests.traces.length > 0, 'the flushed batch at the sink');
  const spans = sink.requests.traces.flatMap((r) => r.resourceSpans[0].scopeSpans[0].spans);
  expect(spans).toHaveLength(25);
});

test('bad input gets a precise 400 and the process keeps serving', async () => {
  const httpPort = await freePort();
  const tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
exporters:
  debug: { verbosity: basic }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [otlp], exporters: [debug] }
`);
  const post = (body: string | Buffer, type: string) =>
    fetch(`http://127.0.0.1:${httpPort}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
  const bad = await post('{"resourceLogs": 5}', 'application/json');
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toMatch(/resourceLogs/);
  const truncated = await post(Buffer.from([0x0a, 0x10, 0x01]), 'application/x-protobuf');
  expect(truncated.status).toBe(400);
  const good = await post(
    '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}}]}]}]}',
    'application/json',
  );
  expect(good.status).toBe(200);
  expect(await tsunagi.stop()).toBe(0);
});
