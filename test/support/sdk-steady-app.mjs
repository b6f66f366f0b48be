// An application on the OpenTelemetry JS SDK with its DEFAULT batch processors
// (BatchSpanProcessor / BatchLogRecordProcessor: a queue of 2048, batches of 512,
// one export in flight), exporting OTLP/HTTP protobuf. It makes spans and log
// records at a steady rate, each with its sequence number (`app.seq`). The SDK
// drops what its queue cannot hold, silently: an app loses data whenever the
// collector it exports to answers slowly, which is what the test looks for.
//
// Usage: node sdk-steady-app.mjs <OTLP/HTTP base URL> <items per second> <seconds> <traces,logs>
// Prints {"traces": made, "logs": made, "exports": {traces: {handed, exported, failed}, logs: …}}
// once both providers were flushed and shut down.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const [base, rateArg, secondsArg, signalsArg = 'traces'] = process.argv.slice(2);
const RATE = Number(rateArg);
const SECONDS = Number(secondsArg);
const signals = new Set(signalsArg.split(','));
const resource = resourceFromAttributes({ 'service.name': 'steady-app' });

// Every export is counted (items handed to the exporter, items it reported exported or
// failed), so the app can say whether its SDK dropped items (queue full: made > handed) or an
// export failed, apart from what the backend behind Tsunagi holds.
// SDK_APP_LATENCY=1: also time every export (request sent → answer read) and print the
// distribution on stderr, so a bench can tell how long the app waited on each answer.
// SDK_APP_TRACE=<file>: one JSON line per export (signal, start ms since the app's start,
// answer ms, items, result, items made by then), to line up with Tsunagi's answer trace.
const latencies = { traces: [], logs: [] };
const counts = { traces: { handed: 0, exported: 0, failed: 0 }, logs: { handed: 0, exported: 0, failed: 0 } };
const appStart = performance.now();
// the monotonic clock (µs) at appStart, as in Tsunagi's answer trace, to line the two up
const traceLines = [
  JSON.stringify({ hr0: Number(process.hrtime.bigint() / 1000n) - Math.round(appStart * 1000) }),
];
function timed(exporter, signal) {
  const exportOne = exporter.export.bind(exporter);
  exporter.export = (items, done) => {
    const t0 = performance.now();
    counts[signal].handed += items.length;
    exportOne(items, (result) => {
      const ms = performance.now() - t0;
      if (result.code === 0) counts[signal].exported += items.length;
      else counts[signal].failed += items.length;
      latencies[signal].push(ms);
      if (process.env.SDK_APP_TRACE)
        traceLines.push(
          JSON.stringify({
            signal,
            at: +(t0 - appStart).toFixed(1),
            ms: +ms.toFixed(1),
            items: items.length,
            ok: result.code === 0,
            made,
            handed: counts[signal].handed,
            error: result.error?.message,
          }),
        );
      done(result);
    });
  };
  return exporter;
}

const tracerProvider = signals.has('traces')
  ? new BasicTracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor(timed(new OTLPTraceExporter({ url: `${base}/v1/traces` }), 'traces')),
      ],
    })
  : undefined;
const loggerProvider = signals.has('logs')
  ? new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: timed(new OTLPLogExporter({ url: `${base}/v1/logs` }), 'logs'),
        }),
      ],
    })
  : undefined;
const tracer = tracerProvider?.getTracer('steady');
const logger = loggerProvider?.getLogger('steady');

let made = 0;
const start = performance.now();
for (;;) {
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= SECONDS) break;
  const due = Math.min(Math.floor(RATE * elapsed), RATE * SECONDS);
  // the app fell behind its rate (its own thread did not run): it makes the missed items at once
  if (process.env.SDK_APP_TRACE && due - made > RATE / 50)
    traceLines.push(JSON.stringify({ behind: due - made, at: +(performance.now() - appStart).toFixed(1) }));
  for (; made < due; made++) {
    tracer?.startSpan('steady op', { attributes: { 'app.seq': made } }).end();
    logger?.emit({ body: `steady line ${made}`, attributes: { 'app.seq': made } });
  }
  await sleep(5);
}
for (; made < RATE * SECONDS; made++) {
  tracer?.startSpan('steady op', { attributes: { 'app.seq': made } }).end();
  logger?.emit({ body: `steady line ${made}`, attributes: { 'app.seq': made } });
}
await Promise.all([tracerProvider?.forceFlush(), loggerProvider?.forceFlush()]);
await Promise.all([tracerProvider?.shutdown(), loggerProvider?.shutdown()]);
if (process.env.SDK_APP_LATENCY)
  for (const [signal, ms] of Object.entries(latencies)) {
    if (!ms.length) continue;
    ms.sort((a, b) => a - b);
    const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1);
    console.error(
      `${signal}: ${ms.length} exports, answer ms p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)}`,
    );
  }
if (process.env.SDK_APP_TRACE) writeFileSync(process.env.SDK_APP_TRACE, `${traceLines.join('\n')}\n`);
console.log(JSON.stringify({ traces: tracer ? made : 0, logs: logger ? made : 0, exports: counts }));
