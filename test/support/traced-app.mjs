// A small instrumented service, as a real one is set up: the OpenTelemetry JS SDK
// (BasicTracerProvider + BatchSpanProcessor + OTLP/HTTP protobuf exporter) with an
// AsyncLocalStorage context manager, and pino with a mixin that adds the active span's
// trace_id / span_id / trace_flags to every line (what @opentelemetry/instrumentation-pino
// does). A second, plain-text logger writes logfmt lines with trace_id=/span_id=, as
// hand-rolled loggers do. stdout is the container's: each line goes to the log file
// framed the way containerd writes it (CRI: `<time> stdout P|F <text>`, split at 16 KiB).
//
// Requests run concurrently with random awaits, so lines of different spans interleave.
// Request i has a span `GET /orders/{id}` (app.request=i, app.phase=handler) with a child
// `SELECT orders` (app.request=i, app.phase=db); every log line carries req and phase, which
// name the span it was written in.
//
// Usage: node traced-app.mjs <log file> <OTLP/HTTP traces URL> <requests>
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';

const [logFile, tracesUrl, requestsArg] = process.argv.slice(2);
const REQUESTS = Number(requestsArg ?? 20);
const CRI_SPLIT = 16 * 1024; // containerd's max line size before a P fragment

class AsyncLocalStorageContextManager {
  als = new AsyncLocalStorage();
  active() {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with(ctx, fn, thisArg, ...args) {
    return this.als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind(ctx, target) {
    return typeof target === 'function' ? (...a) => this.with(ctx, target, undefined, ...a) : target;
  }
  enable() {
    return this;
  }
  disable() {
    this.als.disable();
    return this;
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager());
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout' }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl }), { scheduledDelayMillis: 100 }),
  ],
});
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('checkout-app');

/** The container runtime: one CRI record per chunk of at most 16 KiB, P for all but the last. */
function containerStdout(line) {
  const ts = new Date().toISOString().replace('Z', '123456Z');
  let out = '';
  const buf = Buffer.from(line);
  for (let i = 0; i < buf.length; i += CRI_SPLIT) {
    const last = i + CRI_SPLIT >= buf.length;
    out += `${ts} stdout ${last ? 'F' : 'P'} ${buf.subarray(i, i + CRI_SPLIT).toString()}\n`;
  }
  appendFileSync(logFile, out);
}

function traceFields() {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const sc = span.spanContext();
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: `0${sc.traceFlags.toString(16)}` };
}

const log = pino(
  {
    level: 'debug',
    base: { service: 'checkout' },
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
  },
  { write: (s) => containerStdout(s.replace(/\n$/, '')) },
);

function logfmt(level, msg, fields) {
  const t = traceFields();
  const kv = Object.entries({ ...fields, trace_id: t.trace_id, span_id: t.span_id })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  containerStdout(`time=${new Date().toISOString()} level=${level} msg="${msg}" ${kv}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const jitter = () => sleep(Math.floor(Math.random() * 15));

async function handle(i) {
  await tracer.startActiveSpan(
    'GET /orders/{id}',
    { attributes: { 'app.request': i, 'app.phase': 'handler' } },
    async (span) => {
      log.info({ req: i, phase: 'handler', order: `o-${i}` }, 'request received');
      await jitter();
      await tracer.startActiveSpan(
        'SELECT orders',
        { attributes: { 'app.request': i, 'app.phase': 'db' } },
        async (db) => {
          await jitter();
          // every 7th query result is big: its line is split by the runtime into P/F fragments
          const rows = i % 7 === 3 ? 'r'.repeat(40_000) : 'r';
          log.debug({ req: i, phase: 'db', rows }, 'query done');
          logfmt('warn', 'slow query', { req: i, phase: 'db', ms: 120 + i });
          db.end();
        },
      );
      await jitter();
      log[i % 5 === 0 ? 'error' : 'info'](
        { req: i, phase: 'handler', status: i % 5 === 0 ? 500 : 200 },
        'request done',
      );
      span.end();
    },
  );
}

log.info({ phase: 'startup' }, 'listening on :8080'); // outside any span: no trace context
await Promise.all(Array.from({ length: REQUESTS }, (_, i) => handle(i)));
await provider.shutdown(); // flushes the BatchSpanProcessor
