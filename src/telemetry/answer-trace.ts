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
import { appendFileSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

export interface AnswerTrace {
  readonly t0: number;
  readonly marks: [string, number][];
  /** The main thread's CPU ms when the request arrived (Linux; NaN elsewhere). */
  readonly cpu0: number;
}

/**
 * CPU ms the main thread has run (Linux schedstat, ns resolution). A request whose answer took
 * long while the main thread ran little waited (for the disk, the thread pool, or a CPU taken by
 * other processes); one during which it ran all along waited for work on the event loop.
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

const file = process.env.TSUNAGI_ANSWER_TRACE || undefined;
const als = file ? new AsyncLocalStorage<AnswerTrace>() : undefined;
let lines: string[] = [];

/** Whether answers are traced in this process. */
export const answerTraceOn = file !== undefined;

/** Runs `fn` (one request's handling) as a traced request; its trace is written when fn settles. */
export function traceAnswer<T>(fn: () => Promise<T>): Promise<T> {
  if (!als) return fn();
  const trace: AnswerTrace = { t0: performance.now(), marks: [], cpu0: mainThreadCpuMs() };
  return als.run(trace, () =>
    fn().finally(() => {
      markTrace(trace, 'done');
      const cpu = Math.round((mainThreadCpuMs() - trace.cpu0) * 100) / 100;
      lines.push(JSON.stringify({ t0: Math.round(trace.t0), marks: trace.marks, cpu }));
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
  let cpuAt = mainThreadCpuMs();
  let processCpuAt = process.cpuUsage();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push(Math.round(e.duration * 10) / 10);
  }).observe({ entryTypes: ['gc'] });
  const flush = () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const cpu = mainThreadCpuMs();
    const all = process.cpuUsage(processCpuAt);
    processCpuAt = process.cpuUsage();
    lines.push(
      JSON.stringify({
        loop: {
          t: Math.round(performance.now()),
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          max: ms(loop.max),
          gcMs: gc.reduce((a, b) => a + b, 0),
          gcMax: Math.max(0, ...gc),
          // CPU ms this second: the main thread's, and all threads' (libuv pool, V8's GC and compilers)
          cpu: Math.round(cpu - cpuAt),
          cpuAll: Math.round((all.user + all.system) / 1000),
          // the monotonic clock (µs, as in a --cpu-prof profile) at performance.now() 0
          hr0: Number(process.hrtime.bigint() / 1000n) - Math.round(performance.now() * 1000),
        },
      }),
    );
    loop.reset();
    gc = [];
    cpuAt = cpu;
    if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    lines = [];
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
