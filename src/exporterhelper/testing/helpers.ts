// Test helpers for exporters built on the helper: pdata by span name, a
// pino logger whose lines the test can read, and helper config builders.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ComponentSettings } from '../../component/component.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../../pdata/create.js';
import type { TracesData } from '../../pdata/types.js';
import type { Logger } from '../../telemetry/logger.js';
import { SelfMetrics } from '../../telemetry/self-metrics.js';
import { type ExporterHelperConfig, retryOnFailureSchema, sendingQueueSchema } from '../types.js';

export function traces(...names: string[]): TracesData {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  for (const name of names) {
    const s = newSpan();
    s.name = name;
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

export function spanNames(d: TracesData): string[] {
  return d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
}

export interface CapturedLogger {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogger(): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

export function settingsWith(id: string, logger: Logger, metrics = new SelfMetrics()): ComponentSettings {
  return { id, kind: 'exporter', logger, metrics };
}

export function helperConfig(
  over: {
    timeout?: number;
    sending_queue?: Record<string, unknown>;
    retry_on_failure?: Record<string, unknown>;
  } = {},
): ExporterHelperConfig {
  return {
    timeout: over.timeout ?? 5000,
    sending_queue: sendingQueueSchema.parse(over.sending_queue ?? {}),
    retry_on_failure: retryOnFailureSchema.parse({
      initial_interval: '10ms',
      max_interval: '50ms',
      ...over.retry_on_failure,
    }),
  };
}

/** Polls until `cond` holds (bounded), for conditions reached asynchronously. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads a counter's value from the registry (0 if absent). */
export async function counterValue(m: SelfMetrics, name: string, labels: Record<string, string>) {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) return 0;
  const v = (await metric.get()).values.find((x) =>
    Object.entries(labels).every(([k, val]) => x.labels[k] === val),
  );
  return v?.value ?? 0;
}

/**
 * How many event-loop turns (setImmediate callbacks) ran while `work` was pending:
 * 0 means it held the loop from start to end, and with it every sender's answer.
 */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const result = await work();
  done = true;
  return { result, turns };
}
