// Per-component counts and the last error, kept next to the otelcol_*
// counters (self-metrics.ts) as plain numbers: the status page reads them
// when someone looks, and keeping them costs an addition where a counter is
// incremented anyway. Errors are recorded only on the error path.
import type { ComponentCounts } from '../component/status.js';

/** Longest error text kept (a backend's answer body can be long). */
const MAX_ERROR_CHARS = 1000;

export class Tally implements ComponentCounts {
  in = 0;
  out = 0;
  refused = 0;
  failed = 0;
  errors = 0;
  lastError?: { at: number; message: string };

  /** Keeps `err` as the last error; `count`: false when the same failure was counted already (a send's last attempt). */
  error(err: unknown, count = true): void {
    if (count) this.errors++;
    const text = err instanceof Error ? err.message : String(err);
    this.lastError = {
      at: Date.now(),
      message: text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text,
    };
  }
}

export class ComponentTallies {
  private readonly byKey = new Map<string, Tally>();

  /** The tally of `kind:id` (`processor:id@pipeline` when a pipeline is given), made on first use. */
  of(kind: string, id: string, pipeline?: string): Tally {
    const key = tallyKey(kind, id, pipeline);
    let t = this.byKey.get(key);
    if (!t) {
      t = new Tally();
      this.byKey.set(key, t);
    }
    return t;
  }

  get(key: string): Tally | undefined {
    return this.byKey.get(key);
  }
}

export function tallyKey(kind: string, id: string, pipeline?: string): string {
  return pipeline === undefined ? `${kind}:${id}` : `${kind}:${id}@${pipeline}`;
}
