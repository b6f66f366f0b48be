// Issue 12, the user's view: an app on the OpenTelemetry JS SDK with its default
// batch processors (queue 2048, batches of 512, ONE export in flight) makes
// 10,000 spans and 10,000 log records a second for 5 s and exports them through
// Tsunagi. The SDK drops whatever its queue cannot hold while an export waits
// for its answer, so every item arrives only if Tsunagi answers at once — with
// the `batch` processor in the pipeline, as in every shipped config and in the
// most common collector config. Each case runs through the built binary.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsStandin } from './support/es-standin.js';
import { LokiStandin } from './support/loki-standin.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { rewireShipped } from './support/shipped-config.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const APP = fileURLToPath(new URL('./support/sdk-steady-app.mjs', import.meta.url));
const RATE = 10_000;
const SECONDS = 5;
const N = RATE * SECONDS;

/**
 * SDK_ANSWERS_TRACE_DIR=<dir>: each app run writes its exports' timings there (app-<n>.jsonl) and
 * each Tsunagi its answer trace (tsunagi-<n>.jsonl, TSUNAGI_ANSWER_TRACE), to find slow answers.
 */
const TRACE_DIR = process.env.SDK_ANSWERS_TRACE_DIR;
let appRuns = 0;

/** What the app's SDK did with the items of one signal: handed to its exporter, answered OK, failed. */
interface Exports {
  handed: number;
  exported: number;
  failed: number;
}
interface AppRun {
  traces: number;
  logs: number;
  exports: { traces: Exports; logs: Exports };
}

/** Runs the app against `base`; resolves with how many items of each signal it made and exported. */
async function runApp(base: string): Promise<AppRun> {
  const child = spawn(process.execPath, [APP, base, String(RATE), String(SECONDS), 'traces,logs'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      ...(TRACE_DIR ? { SDK_APP_TRACE: join(TRACE_DIR, `app-${++appRuns}.jsonl`) } : {}),
    },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** The distinct app.seq values in a sink's requests of one signal, read incrementally as they arrive. */
function seqCounter(requests: () => any[], signal: 'traces' | 'logs'): () => number {
  const seen = new Set<number>();
  let read = 0;
  return () => {
    const reqs = requests();
    if (read > reqs.length) read = 0; // the list was cleared
    for (; read < reqs.length; read++) {
      const req = reqs[read];
      for (const r of signal === 'traces' ? req.resourceSpans : req.resourceLogs)
        for (const s of signal === 'traces' ? r.scopeSpans : r.scopeLogs)
          for (const item of signal === 'traces' ? s.spans : s.logRecords)
            for (const kv of item.attributes) if (kv.key === 'app.seq') seen.add(Number(kv.value.intValue));
    }
    return seen.size;
  };
}

function pipelineYaml(port: number, sinkPort: number, storageDir?: string): string {
  const ext = storageDir ? `extensions:\n  file_storage:\n    directory: ${storageDir}\n` : '';
  const queue = storageDir ? '\n    sending_queue: { storage: file_storage }' : '';
  return `${ext}receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}${queue}
service:
  ${storageDir ? 'extensions: [file_storage]' : ''}
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
    logs: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`;
}

describe('an SDK app with default batch processors loses nothing through Tsunagi with `batch`', {
  timeout: 150_000,
}, () => {
  const sink = new OtlpSink();
  // The backends take what they are sent unchecked and check it (every rule of the strict
  // stand-ins) when the test counts it: checking on arrival cost this test's process 40-130 % of
  // one of the 2 cores while the app and Tsunagi ran, so the gateway case measured the stand-ins'
  // CPU as much as Tsunagi's answers (real backends run elsewhere).
  const es = new EsStandin({ deferred: true });
  const loki = new LokiStandin({}, undefined, true);
  beforeAll(async () => {
    await Promise.all([sink.start(), es.start(), loki.start()]);
  });
  afterAll(async () => {
    await Promise.all([sink.stop(), es.close(), loki.close()]);
  });

  /** Items of each signal delivered, by distinct app.seq. */
  type Delivered = () => { traces: number; logs: number };
  let atSink: Delivered;
  const newSinkCount = () => {
    const traces = seqCounter(() => sink.requests.traces, 'traces');
    const logs = seqCounter(() => sink.requests.logs, 'logs');
    atSink = () => ({ traces: traces(), logs: logs() });
  };

  /**
   * The control: the same app straight to the sink. Where even that loses items the
   * machine cannot carry the app's own rate right now (a busy shared host), and the
   * comparison would say nothing about Tsunagi: the case is skipped, loudly.
   */
  async function machineCarriesTheRate(): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      sink.requests.traces.length = 0;
      sink.requests.logs.length = 0;
      newSinkCount();
      await runApp(`http://127.0.0.1:${sink.httpPort}`);
      await waitFor(() => atSink().traces === N && atSink().logs === N, 'control', 3000).catch(() => {});
      if (atSink().traces === N && atSink().logs === N) return true;
    }
    console.warn(
      `SKIPPED: the app straight to the sink delivered only ${JSON.stringify(atSink())} of ${N}: this machine is too busy to tell`,
    );
    return false;
  }

  async function through(
    ctx: { skip: () => void },
    yaml: string,
    port: number,
    env: Record<string, string>,
    delivered: Delivered,
  ) {
    if (!(await machineCarriesTheRate())) return ctx.skip();
    sink.requests.traces.length = 0;
    sink.requests.logs.length = 0;
    newSinkCount();
    es.reset();
    loki.reset();
    const t = await startTsunagi(yaml, {
      ...env,
      ...(TRACE_DIR ? { TSUNAGI_ANSWER_TRACE: join(TRACE_DIR, `tsunagi-${appRuns + 1}.jsonl`) } : {}),
    });
    try {
      const app = await runApp(`http://127.0.0.1:${port}`);
      expect({ traces: app.traces, logs: app.logs }).toEqual({ traces: N, logs: N });
      const { traces: tx, logs: lx } = app.exports;
      // Every export was answered OK (a refusal or an export timeout would show here) ...
      expect({ traces: tx.failed, logs: lx.failed }).toEqual({ traces: 0, logs: 0 });
      // ... and everything answered arrives: what Tsunagi accepted, it delivers.
      await waitFor(
        () => delivered().traces >= tx.exported && delivered().logs >= lx.exported,
        `the ${tx.exported} spans and ${lx.exported} log records Tsunagi accepted to be delivered`,
        // Delivery may take a while on a busy host (the exporters back off on their timeouts);
        // what matters is that nothing accepted is missing, not how fast the backends took it.
        60_000,
      ).catch((e) => {
        throw new Error(
          `${e.message}: have ${JSON.stringify(delivered())}; Tsunagi said:\n${t.stderr().slice(-3000)}`,
        );
      });
      // The app lost nothing: its SDK never found its queue full while it waited for an answer.
      expect(
        { traces: N - tx.handed, logs: N - lx.handed },
        'items the SDK dropped (its queue of 2048 was full: answers too slow)',
      ).toEqual({ traces: 0, logs: 0 });
      expect(delivered()).toEqual({ traces: N, logs: N });
      // What the backends took unchecked, they would all have accepted.
      expect([...es.deferredErrors, ...loki.deferredErrors].slice(0, 5)).toEqual([]);
    } finally {
      await t.stop();
    }
  }

  it('otlp → batch → otlp_http, memory queue (the most common collector config)', async (ctx) => {
    const port = await freePort();
    await through(ctx, pipelineYaml(port, sink.httpPort), port, {}, () => atSink());
  });

  it('otlp → batch → otlp_http, persistent queue', async (ctx) => {
    const port = await freePort();
    await through(
      ctx,
      pipelineYaml(port, sink.httpPort, mkdtempSync(join(tmpdir(), 'sdk-answers-'))),
      port,
      {},
      () => atSink(),
    );
  });

  it('config/sidecar.yaml (memory_limiter, batch, persistent queue to the gateway)', async (ctx) => {
    const c = await rewireShipped('sidecar.yaml');
    await through(
      ctx,
      c.yaml,
      c.ports['otlp/http'],
      { GATEWAY_ENDPOINT: `http://127.0.0.1:${sink.httpPort}` },
      () => atSink(),
    );
  });

  // Through config/gateway.yaml — memory_limiter, tracelink, batch, and two exporters per pipeline
  // each on an fsync'd persistent queue. Skipped until 2026-12-07 evening: it passed 1 of 5 runs on a
  // quiet host (the app's SDK dropped 0.5-8.5 %; every backend held exactly what was answered). Why
  // (the app's per-export timings next to Tsunagi's answer traces and each process's CPU): the Loki
  // and Elasticsearch stand-ins decoded, mapped and stored every document on arrival in this test's
  // process, which took 40-130 % of one of the 2 cores during the app's 5 s, so the app, Tsunagi
  // and the stand-ins wanted more than the machine had; the app's own loop stalled and Tsunagi's
  // answers slowed to 100-270 ms, most in the first 1.5 s, while Tsunagi's main thread still ran its
  // exporters' code cold (3-4x the CPU of later seconds). The stand-ins now check what they took
  // when it is counted; the bench (gateway-sdk.js), whose sinks never decoded, dropped nothing.
  it('config/gateway.yaml (traces to Jaeger over OTLP and to Elasticsearch, logs to Loki and Elasticsearch)', async (ctx) => {
    const c = await rewireShipped('gateway.yaml');
    const esSeqs = (pattern: string) =>
      new Set(es.search(pattern).map((d) => (d.source.attributes as Record<string, unknown>)?.['app.seq']))
        .size;
    // The stand-ins share this test's one thread: counting distinct sequence numbers over every
    // Elasticsearch document (100k of them) at each 25 ms poll starved them, so their answers timed
    // out and the exporters backed off. The count runs at most every 2 s.
    let esCounted = { traces: 0, logs: 0 };
    let esAt = 0;
    const inEs = () => {
      if (Date.now() - esAt >= 2000) {
        esCounted = { traces: esSeqs('traces-*'), logs: esSeqs('logs-*') };
        esAt = Date.now();
      }
      return esCounted;
    };
    await through(
      ctx,
      c.yaml,
      c.ports['otlp/http'],
      { JAEGER_OTLP: `http://127.0.0.1:${sink.httpPort}`, LOKI_URL: loki.url, ES_URL: es.url },
      () => ({
        traces: Math.min(atSink().traces, inEs().traces),
        logs: Math.min(loki.entryCount(), inEs().logs),
      }),
    );
  });
});
