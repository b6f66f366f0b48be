// The agent end to end with a real instrumented application: a Node program using the
// OpenTelemetry JS SDK handles concurrent requests inside active spans and logs through
// pino (trace_id/span_id mixin) and a logfmt logger to its container log, laid out like
// /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log in CRI format. It exports its spans over
// OTLP/HTTP to the Tsunagi binary, which runs config/agent.yaml (file_log + container +
// json_parser + trace_parser, tracelink, persistent queue) and forwards logs and spans to a
// sink. At the sink, every log line written inside a span carries that span's IDs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { agentConfig } from './support/agent-config.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const APP = fileURLToPath(new URL('./support/traced-app.mjs', import.meta.url));
const REQUESTS = 40;
const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
type Obj = any;
const attrs = (kvs: Obj[]) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value]));

let sink: OtlpSink | undefined;
let tsunagi: TsunagiProcess | undefined;
afterAll(async () => {
  await tsunagi?.stop('SIGKILL');
  await sink?.stop();
});

test('each container log line carries the trace and span ID of the span it was written in', async () => {
  sink = await new OtlpSink().start();
  const root = mkdtempSync(join(tmpdir(), 'agent-app-'));
  const otlpHttpPort = await freePort();
  tsunagi = await startTsunagi(
    agentConfig({
      root,
      storageDir: join(root, 'var/lib/tsunagi/storage'),
      sinkHttpPort: sink.httpPort,
      healthPort: await freePort(),
      otlpHttpPort,
    }),
  );
  const dir = join(root, 'var/log/pods/shop_checkout-7d9f8b-x2x_0f1e2d3c-aaaa-bbbb-cccc-000000000001/app');
  mkdirSync(dir, { recursive: true });
  await promisify(execFile)(
    process.execPath,
    [APP, join(dir, '0.log'), `http://127.0.0.1:${otlpHttpPort}/v1/traces`, String(REQUESTS)],
    { timeout: 15_000 },
  );

  const spans = () =>
    sink!.requests.traces.flatMap((r) =>
      r.resourceSpans.flatMap((rs: Obj) => rs.scopeSpans.flatMap((ss: Obj) => ss.spans)),
    );
  const logs = () =>
    sink!.requests.logs.flatMap((r) =>
      r.resourceLogs.flatMap((rl: Obj) =>
        rl.scopeLogs.flatMap((sl: Obj) => sl.logRecords.map((lr: Obj) => ({ rl, lr }))),
      ),
    );
  // per request: received, query done (JSON), slow query (logfmt), request done; plus one startup line
  const wantLogs = REQUESTS * 4 + 1;
  await waitFor(
    () => spans().length >= REQUESTS * 2 && logs().length >= wantLogs,
    'all spans and log lines at the sink',
    15_000,
  );
  expect(spans()).toHaveLength(REQUESTS * 2);
  expect(logs()).toHaveLength(wantLogs);

  const spanOf = new Map<string, { traceId: string; spanId: string }>();
  for (const s of spans()) {
    const a = attrs(s.attributes);
    spanOf.set(`${a['app.request'].intValue}/${a['app.phase'].stringValue}`, {
      traceId: hex(s.traceId),
      spanId: hex(s.spanId),
    });
  }
  expect(spanOf.size).toBe(REQUESTS * 2);

  let linked = 0;
  const unlinked: string[] = [];
  for (const { rl, lr } of logs()) {
    const body: string = lr.body.stringValue;
    expect(attrs(rl.resource.attributes)).toMatchObject({
      'k8s.namespace.name': { stringValue: 'shop' },
      'k8s.pod.name': { stringValue: 'checkout-7d9f8b-x2x' },
      'k8s.pod.uid': { stringValue: '0f1e2d3c-aaaa-bbbb-cccc-000000000001' },
      'k8s.container.name': { stringValue: 'app' },
    });
    let key: string;
    if (body.startsWith('{')) {
      const j = JSON.parse(body); // the P/F fragments of 40 KB lines were joined, or this throws
      if (j.phase === 'startup') {
        expect(hex(lr.traceId)).toBe(''); // written outside any span: nothing invented
        continue;
      }
      key = `${j.req}/${j.phase}`;
      expect(lr.severityText).toBe(j.level);
    } else {
      const m = /req=(\d+) phase=(\w+)/.exec(body); // the logfmt lines: linked by tracelink alone
      expect(m, body).not.toBeNull();
      key = `${m![1]}/${m![2]}`;
    }
    const span = spanOf.get(key);
    expect(span, key).toBeDefined();
    if (hex(lr.traceId) === '') {
      unlinked.push(body.slice(0, 120));
      continue;
    }
    expect({ key, traceId: hex(lr.traceId), spanId: hex(lr.spanId) }).toEqual({ key, ...span });
    linked++;
  }
  expect(unlinked).toEqual([]);
  expect(linked).toBe(REQUESTS * 4);
  expect(await tsunagi.stop()).toBe(0);
});
