// A small instrumented "application": inside active spans (OpenTelemetry JS
// SDK) it writes JSON log lines carrying the active span's trace_id/span_id,
// framed the way containerd writes them (CRI format), to argv[2]. Long lines
// are split into P/F fragments like the runtime does. It prints the IDs it
// used (one JSON object per log line) on stdout for the test to compare.
import { appendFileSync } from 'node:fs';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

// a minimal synchronous context manager, so that startActiveSpan makes the span active
class StackContextManager {
  current = ROOT_CONTEXT;
  active() {
    return this.current;
  }
  with(ctx, fn, thisArg, ...args) {
    const prev = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = prev;
    }
  }
  bind(_ctx, target) {
    return target;
  }
  enable() {
    return this;
  }
  disable() {
    return this;
  }
}
context.setGlobalContextManager(new StackContextManager());
const provider = new BasicTracerProvider();
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('otel-app');

const out = process.argv[2];
const n = Number(process.argv[3] ?? 20);
const FRAG = 64; // runtime split size for the test (containerd uses 16 KiB)

function writeCri(line) {
  const ts = new Date().toISOString().replace('Z', '000000Z');
  let s = '';
  for (let i = 0; i < line.length; i += FRAG) {
    const last = i + FRAG >= line.length;
    s += `${ts} stdout ${last ? 'F' : 'P'} ${line.slice(i, i + FRAG)}\n`;
  }
  appendFileSync(out, s);
}

for (let i = 0; i < n; i++) {
  tracer.startActiveSpan(`request ${i}`, (span) => {
    tracer.startActiveSpan('db', (child) => {
      const sc = trace.getActiveSpan().spanContext();
      const rec = {
        level: i % 2 ? 'info' : 'error',
        msg: `handled request ${i}`,
        trace_id: sc.traceId,
        span_id: sc.spanId,
        trace_flags: '01',
        pad: 'x'.repeat(i * 7),
      };
      writeCri(JSON.stringify(rec));
      process.stdout.write(`${JSON.stringify({ i, traceId: sc.traceId, spanId: sc.spanId })}\n`);
      child.end();
    });
    span.end();
  });
}
