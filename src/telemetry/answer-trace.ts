// Timestamps along one request's path to its answer (body read → decoded →
// each exporter queue's encode and durable write → the store's group commit and
// fdatasync round → answer), for finding where answers wait. Off (and free)
// unless TSUNAGI_ANSWER_TRACE names a file; then every traced request appends
// one JSON line `{"t0":…,"marks":[[name, ms since t0], …]}` once answered, and
// once a second a line `{"loop":{…}}` with the event loop's delay and the GC
// pauses of that second. A component marks the request it is working for with
// markAnswer(name) (the request is found through AsyncLocalStorage), or keeps
// the request's trace (currentAnswerTrace()) to mark it later from elsewhere
// (a group commit serving many requests). `node dist/bench/answer-trace.js FILE`
// summarizes a trace.
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface AnswerTrace {
  readonly t0: number;
  readonly marks: [string, number][];
}

const file = process.env.TSUNAGI_ANSWER_TRACE || undefined;
const als = file ? new AsyncLocalStorage<AnswerTrace>() : undefined;
let lines: string[] = [];

/** Whether answers are traced in this process. */
export const answerTraceOn = file !== undefined;

/** Runs `fn` (one request's handling) as a traced request; its trace is written when fn settles. */
export function traceAnswer<T>(fn: () => Promise<T>): Promise<T> {
  if (!als) return fn();
  const trace: AnswerTrace = { t0: performance.now(), marks: [] };
  return als.run(trace, () =>
    fn().finally(() => {
      markTrace(trace, 'done');
      lines.push(JSON.stringify({ t0: Math.round(trace.t0), marks: trace.marks }));
    }),
  );
}

/** The trace of the request being handled (undefined when off or outside one). */
export function currentAnswerTrace(): AnswerTrace | undefined {
  return als?.getStore();
}

/** Marks `name` now on the current request's trace. */
export function markAnswer(name: string): void {
  const t = als?.getStore();
  if (t) markTrace(t, name);
}

/** Marks `name` now on a kept trace. */
export function markTrace(trace: AnswerTrace | undefined, name: string): void {
  if (trace) trace.marks.push([name, Math.round((performance.now() - trace.t0) * 100) / 100]);
}

if (file) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let gc: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push(Math.round(e.duration * 10) / 10);
  }).observe({ entryTypes: ['gc'] });
  const flush = () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    lines.push(
      JSON.stringify({
        loop: {
          t: Math.round(performance.now()),
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          max: ms(loop.max),
          gcMs: gc.reduce((a, b) => a + b, 0),
          gcMax: Math.max(0, ...gc),
        },
      }),
    );
    loop.reset();
    gc = [];
    if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
