// Hot reload under load, through the binary (issue 19): a sender at a steady
// rate with sequence numbers on one keep-alive connection, a persistent-queue
// exporter to a sink, a file_log pipeline, and 20 reloads by SIGHUP (add a
// processor, switch the exporter's endpoint between two sinks, remove and add a
// pipeline, a broken config in between). Then: every span answered 2xx arrived,
// the unchanged receiver never closed the sender's connection, and file_log read
// every line exactly once.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { toAnyValue } from '../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../src/pdata/create.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const sinks: OtlpSink[] = [];
let tsunagi: TsunagiProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'tsunagi-reload-'));
afterAll(async () => {
  await tsunagi?.stop('SIGKILL');
  for (const s of sinks) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SPANS_PER_REQUEST = 5;

function body(first: number): Buffer {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const s = newSpan();
    s.name = 'seq';
    s.traceId = new Uint8Array(16).fill(7);
    s.spanId = new Uint8Array(8).fill(9);
    s.attributes.push({ key: 'seq', value: toAnyValue(first + i) });
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return Buffer.from(encodeTraces({ resourceSpans: [rs] }));
}

/** One request at a time on one keep-alive connection, every `pauseMs`; a non-2xx is sent again. */
function steadySender(port: number, pauseMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<Socket>();
  const errors: string[] = [];
  const acked = new Set<number>();
  const statuses = new Map<number, number>();
  let stopped = false;
  const post = (b: Buffer) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-protobuf' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('socket', (s: Socket) => sockets.add(s));
      req.on('error', (e) => {
        errors.push(e.message);
        resolve(0);
      });
      req.end(b);
    });
  const done = (async () => {
    let next = 0;
    while (!stopped) {
      const first = next;
      next += SPANS_PER_REQUEST;
      const b = body(first);
      for (;;) {
        const status = await post(b);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) {
          for (let i = 0; i < SPANS_PER_REQUEST; i++) acked.add(first + i);
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    acked,
    sockets,
    errors,
    statuses,
    async stop() {
      stopped = true;
      await done;
      agent.destroy();
    },
  };
}

const seqs = (sink: OtlpSink) =>
  sink.requests.traces.flatMap((r) =>
    r.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans.map((s: any) => Number(s.attributes.find((a: any) => a.key === 'seq').value.intValue)),
      ),
    ),
  );
const logLines = (sink: OtlpSink) =>
  sink.requests.logs.flatMap((r) =>
    r.resourceLogs.flatMap((rl: any) =>
      rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((l: any) => l.body.stringValue)),
    ),
  );

test('20 reloads under load: nothing answered is lost, the unchanged receiver keeps its connection, file_log reads nothing twice', async () => {
  const a = await new OtlpSink().start();
  const b = await new OtlpSink().start();
  sinks.push(a, b);
  const [otlpPort, metricsPort] = [await freePort(), await freePort()];
  const logFile = join(dir, 'app.log');
  writeFileSync(logFile, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
  const storageDir = join(dir, 'storage');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(storageDir);

  /** Reload i's config: the knobs vary independently so every kind of change happens several times. */
  const config = (i: number) => {
    const tag = i % 3 === 1; // add / remove a processor
    const sink = i % 2 === 1 ? b : a; // change the exporter's endpoint (persistent queue handed over)
    const copy = i % 4 < 2; // remove / add a pipeline
    const broken = i % 5 === 4; // an invalid config in between: refused, the running one stays
    return `
extensions:
  file_storage: { directory: ${storageDir} }
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
  file_log:
    include: [${logFile}]
    start_at: beginning
    poll_interval: 50ms
processors:
  attributes/tag:
    actions: [{ key: generation, value: "${i}", action: insert }]
exporters:
  otlp_http/main:
    endpoint: http://127.0.0.1:${sink.httpPort}
    sending_queue: { storage: file_storage }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms }
  otlp_http/copy:
    endpoint: http://127.0.0.1:${b.httpPort}
  otlp_http/logs:
    endpoint: http://127.0.0.1:${a.httpPort}${broken ? '\n    no_such_key: true' : ''}
service:
  extensions: [file_storage]
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    traces: { receivers: [otlp], processors: [${tag ? 'attributes/tag' : ''}], exporters: [otlp_http/main] }
${copy ? '    traces/copy: { receivers: [otlp], exporters: [otlp_http/copy] }\n' : ''}    logs: { receivers: [file_log], exporters: [otlp_http/logs] }
`;
  };
  tsunagi = await startTsunagi(config(0));
  const proc = tsunagi;
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  const sender = steadySender(otlpPort, 10);
  await waitFor(() => sender.acked.size > 50, 'the sender under way');

  let refused = 0;
  for (let i = 1; i <= 20; i++) {
    writeFileSync(proc.configPath, config(i));
    proc.child.kill('SIGHUP');
    let reloads = 0;
    const end = Date.now() + 15_000;
    while (reloads < i && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 25));
      reloads = await metric('otelcol_tsunagi_config_reloads_total');
    }
    expect(reloads).toBe(i);
    if (i % 5 === 4) refused++;
    if (i === 10) appendFileSync(logFile, Array.from({ length: 10 }, (_, k) => `line ${50 + k}\n`).join(''));
  }
  expect(await metric('otelcol_tsunagi_config_reloads_total{outcome="refused"}')).toBe(refused);
  expect(await metric('otelcol_tsunagi_config_generation')).toBe(1 + 20 - refused);
  const lastAck = Math.max(...sender.acked);
  await waitFor(
    () => sender.acked.size > 0 && Math.max(...sender.acked) > lastAck + 50,
    'traffic after the last reload',
  );
  await sender.stop();

  // every span answered 2xx reached one of the sinks (the queue followed the endpoint)
  await waitFor(
    () => {
      const got = new Set([...seqs(a), ...seqs(b)]);
      return [...sender.acked].every((s) => got.has(s));
    },
    'every acknowledged span at a sink',
    20_000,
  );
  // the unchanged receiver kept the sender's one keep-alive connection through all reloads
  expect(sender.errors).toEqual([]);
  expect(sender.sockets.size).toBe(1);
  // the refused configs really were refused with their error logged
  expect(proc.stderr()).toMatch(/no_such_key/);
  // the processor was added for real: some spans carry the generation attribute
  const tagged = [...a.requests.traces, ...b.requests.traces].some((r) =>
    r.resourceSpans.some((rs: any) =>
      rs.scopeSpans.some((ss: any) =>
        ss.spans.some((s: any) => s.attributes.some((x: any) => x.key === 'generation')),
      ),
    ),
  );
  expect(tagged).toBe(true);
  // file_log, unchanged, read each of the 60 lines exactly once
  await waitFor(() => logLines(a).length >= 60, 'all 60 log lines');
  const lines = logLines(a);
  expect(lines).toHaveLength(60);
  expect(new Set(lines).size).toBe(60);
  expect(await proc.stop()).toBe(0);
}, 60_000);
