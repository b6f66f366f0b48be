// Runs the configured detectors (concurrently, each retried with exponential
// backoff until the session ends) and merges what they found in detector
// order, the first detector to set an attribute winning (collector
// internal/resourcedetection.go). A detector that still fails makes the whole
// detection fail, and with it the processor's start: the collector's current
// behaviour (it logged and skipped failing detectors before the
// propagateerrors feature gate became the default). A detector that finds
// itself not on its platform (no metadata service) is not a failure: it
// returns nothing.
import type { KeyValue } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ResourceDetectionConfig } from './config.js';
import type { DetectContext, Detected, Detector } from './detectors/types.js';

export interface Detection {
  attributes: KeyValue[];
  schemaUrl: string;
}

/** The collector's MergeSchemaURL: the first non-empty one wins (a conflict keeps the current one). */
export const mergeSchemaUrl = (current: string, next: string): string => (current === '' ? next : current);

/** MergeResource(to, from, override) on attribute lists. */
export function mergeAttributes(to: KeyValue[], from: KeyValue[], override: boolean): void {
  for (const kv of from) {
    const i = to.findIndex((t) => t.key === kv.key);
    if (i < 0) to.push({ key: kv.key, value: kv.value });
    else if (override) to[i] = { key: kv.key, value: kv.value };
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

async function withRetry(
  name: string,
  d: Detector,
  ctx: DetectContext,
  retry: ResourceDetectionConfig['retry'],
  logger: Logger,
): Promise<Detected> {
  let interval = retry.initial_interval;
  const started = Date.now();
  let previous: unknown;
  for (;;) {
    try {
      return await d.detect(ctx);
    } catch (caught) {
      // a request cut off by the end of the session says less than the failure that made us retry
      const e = ctx.signal.aborted && previous !== undefined ? previous : caught;
      previous = e;
      logger.warn({ detector: name, err: (e as Error).message }, 'failed to detect resource');
      const elapsed = Date.now() - started;
      if (
        !retry.enabled ||
        ctx.signal.aborted ||
        (retry.max_elapsed_time > 0 && elapsed >= retry.max_elapsed_time)
      )
        throw e;
      const jitter = 1 + retry.randomization_factor * (2 * Math.random() - 1);
      await sleep(interval * jitter, ctx.signal);
      if (ctx.signal.aborted) throw e;
      interval = Math.min(retry.max_interval, interval * retry.multiplier);
    }
  }
}

export async function detect(
  cfg: ResourceDetectionConfig,
  detectors: [string, Detector][],
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Detection> {
  logger.info('began detecting resource information');
  // max_elapsed_time 0: the session is bounded by `timeout`; else `timeout` bounds each
  // request and max_elapsed_time the session
  const sessionMs = cfg.retry.max_elapsed_time > 0 ? cfg.retry.max_elapsed_time : cfg.timeout;
  const controller = new AbortController();
  const timer = sessionMs > 0 ? setTimeout(() => controller.abort(), sessionMs) : undefined;
  const ctx: DetectContext = {
    signal: controller.signal,
    timeoutMs: cfg.timeout,
    failOnMissingMetadata: cfg.fail_on_missing_metadata,
    logger,
    env,
  };
  try {
    const results = await Promise.allSettled(
      detectors.map(([name, d]) => withRetry(name, d, ctx, cfg.retry, logger)),
    );
    const attributes: KeyValue[] = [];
    let schemaUrl = '';
    const errors: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') errors.push(`${detectors[i][0]}: ${(r.reason as Error).message}`);
      else {
        schemaUrl = mergeSchemaUrl(schemaUrl, r.value.schemaUrl);
        mergeAttributes(attributes, r.value.attributes, false);
      }
    });
    if (errors.length > 0) throw new Error(`resource detection failed: ${errors.join('; ')}`);
    const kept = cfg.attributes ? attributes.filter((kv) => cfg.attributes?.includes(kv.key)) : attributes;
    logger.info(
      { resource: Object.fromEntries(kept.map((kv) => [kv.key, Object.values(kv.value)[0]])) },
      'detected resource information',
    );
    return { attributes: kept, schemaUrl };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
