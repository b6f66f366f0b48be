// The two durability classes of an answered request (README "How it behaves"),
// through the built binary with `batch` in the pipeline and a sender that knows
// which of its sequence numbers were answered 2xx:
// - persistent queue: every answered span survives kill -9 of Tsunagi;
// - memory queue: every answered span survives SIGTERM and a backend outage
//   while the drain lasts; past the drain deadline what is left is counted and
//   logged as dropped — never silently gone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { sinkSeqs, startSeqSender } from './support/seq-sender.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

function config(port: number, sinkPort: number, storageDir?: string): string {
  return `${storageDir ? `extensions:\n  file_storage: { directory: ${storageDir} }\n` : ''}receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms }
    sending_queue: { ${storageDir ? 'storage: file_storage' : ''} }
service:
  ${storageDir ? 'extensions: [file_storage]' : ''}
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`;
}

/** Fan-out to two exporters, each with a persistent queue on the one file_storage (as config/gateway.yaml). */
function fanOutConfig(port: number, sinkPorts: [number, number], storageDir: string): string {
  const exporter = (name: string, sinkPort: number) => `  otlp_http/${name}:
    endpoint: http://127.0.0.1:${sinkPort}
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms }
    sending_queue: { storage: file_storage }
`;
  return `extensions:
  file_storage: { directory: ${storageDir} }
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch:
exporters:
${exporter('a', sinkPorts[0])}${exporter('b', sinkPorts[1])}service:
  extensions: [file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http/a, otlp_http/b] }
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('answered means kept', () => {
  const sink = new OtlpSink();
  beforeAll(async () => {
    await sink.start();
  });
  afterAll(() => sink.stop());

  it('persistent queue: kill -9 under steady load loses no answered span', async () => {
    sink.requests.traces.length = 0;
    sink.httpStatus = 200;
    sink.httpDelayMs = 20; // a slow backend: a backlog sits in the queue when the kill comes
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'answered-pq-'));
    const yaml = config(port, sink.httpPort, dir);
    const first = await startTsunagi(yaml);
    const sender = startSeqSender({
      url: `http://127.0.0.1:${port}/v1/traces`,
      concurrency: 4,
      spansPerRequest: 100,
    });
    await waitFor(() => sender.acked.size >= 20_000, 'load under way');
    await first.stop('SIGKILL');
    const answeredBeforeKill = sender.acked.size;
    // the sender retries what was not answered against the restarted process
    sink.httpDelayMs = 0;
    const second = await startTsunagi(yaml);
    await waitFor(() => sender.acked.size >= answeredBeforeKill + 5000, 'load after restart');
    await sender.stop();
    await waitFor(
      () => {
        const got = sinkSeqs(sink.requests.traces);
        for (const s of sender.acked) if (!got.has(s)) return false;
        return true;
      },
      'every answered span at the sink',
      20_000,
    );
    await second.stop();
  });

  it('two persistent queues on one file_storage (one shared group commit): kill -9 loses no answered span at either backend', async () => {
    const other = new OtlpSink();
    await other.start();
    try {
      sink.requests.traces.length = 0;
      sink.httpStatus = 200;
      for (const s of [sink, other]) s.httpDelayMs = 20; // backlogs in both queues when the kill comes
      const port = await freePort();
      const yaml = fanOutConfig(
        port,
        [sink.httpPort, other.httpPort],
        mkdtempSync(join(tmpdir(), 'answered-fan-')),
      );
      const first = await startTsunagi(yaml);
      const sender = startSeqSender({
        url: `http://127.0.0.1:${port}/v1/traces`,
        concurrency: 4,
        spansPerRequest: 100,
      });
      await waitFor(() => sender.acked.size >= 10_000, 'load under way');
      await first.stop('SIGKILL');
      const answeredBeforeKill = sender.acked.size;
      for (const s of [sink, other]) s.httpDelayMs = 0;
      const second = await startTsunagi(yaml);
      await waitFor(() => sender.acked.size >= answeredBeforeKill + 2000, 'load after restart');
      await sender.stop();
      for (const [name, s] of [
        ['a', sink],
        ['b', other],
      ] as const)
        await waitFor(
          () => {
            const got = sinkSeqs(s.requests.traces);
            for (const seq of sender.acked) if (!got.has(seq)) return false;
            return true;
          },
          `every answered span at backend ${name}`,
          20_000,
        );
      await second.stop();
    } finally {
      await other.stop();
    }
  });

  it('memory queue: SIGTERM while the backend is down, back within the drain: every answered span arrives', async () => {
    sink.requests.traces.length = 0;
    sink.httpDelayMs = 0;
    sink.httpStatus = 200;
    const port = await freePort();
    const t = await startTsunagi(config(port, sink.httpPort), { TSUNAGI_SHUTDOWN_TIMEOUT: '20s' });
    const sender = startSeqSender({
      url: `http://127.0.0.1:${port}/v1/traces`,
      concurrency: 4,
      spansPerRequest: 100,
    });
    await waitFor(() => sender.acked.size >= 5000, 'load under way');
    sink.httpStatus = 503; // outage: answered data waits in the memory queue
    await waitFor(() => sender.acked.size >= 15_000, 'answers go on during the outage');
    await sender.stop();
    const stopped = t.stop('SIGTERM');
    await sleep(1500);
    sink.httpStatus = 200; // back while Tsunagi drains
    expect(await stopped).toBe(0);
    const got = sinkSeqs(sink.requests.traces);
    const missing = [...sender.acked].filter((s) => !got.has(s));
    expect(missing).toEqual([]);
  });

  it('memory queue: a backend down past the drain deadline: what is lost is exactly what is counted and logged', async () => {
    sink.requests.traces.length = 0;
    sink.httpDelayMs = 0;
    sink.httpStatus = 200;
    const port = await freePort();
    const t = await startTsunagi(config(port, sink.httpPort), { TSUNAGI_SHUTDOWN_TIMEOUT: '3s' });
    const sender = startSeqSender({
      url: `http://127.0.0.1:${port}/v1/traces`,
      concurrency: 4,
      spansPerRequest: 100,
    });
    await waitFor(() => sender.acked.size >= 5000, 'load under way');
    sink.httpStatus = 503;
    await waitFor(() => sender.acked.size >= 10_000, 'answers go on during the outage');
    await sender.stop();
    await t.stop('SIGTERM');
    const got = sinkSeqs(sink.requests.traces);
    const missing = [...sender.acked].filter((s) => !got.has(s)).length;
    expect(missing).toBeGreaterThan(0);
    const dropped = t
      .stderr()
      .split('\n')
      .filter((l) => l.includes('Dropping data'))
      .map((l) => JSON.parse(l).dropped_items as number);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(missing);
  });
});
