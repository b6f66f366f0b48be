// What the memory limiters tell the rest of the process. A memory_limiter
// processor (a component) registers a gauge while it runs; receivers'
// decode admission (src/receiverhelper/decode-admission.ts) consults every
// registered gauge before a large decode, so a request is refused before it is
// decoded, not after, when the pipeline would have refused it anyway.
// src/ never imports a component: the limiter comes to this registry.

export interface MemoryGauge {
  /** True while the limiter refuses data (its last check was at or above its soft limit). */
  readonly refusing: boolean;
  /** Its hard limit in bytes, of memoryInUse() (src/memory/usage.ts). */
  readonly hardLimitBytes: number;
  /** The delay it suggests to senders it refuses. */
  readonly retryAfterMs: number;
}

const gauges = new Set<MemoryGauge>();

/** Registers a gauge; returns the function that removes it. */
export function registerMemoryGauge(g: MemoryGauge): () => void {
  gauges.add(g);
  return () => {
    gauges.delete(g);
  };
}

/** The registered gauges' combined view: refusing if any is, the lowest hard limit. */
export function memoryPressure(): { refusing: boolean; hardLimitBytes: number; retryAfterMs: number } {
  let refusing = false;
  let hard = Number.POSITIVE_INFINITY;
  let retry = 1000;
  for (const g of gauges) {
    if (g.refusing) {
      refusing = true;
      retry = Math.max(retry, g.retryAfterMs);
    }
    hard = Math.min(hard, g.hardLimitBytes);
  }
  return { refusing, hardLimitBytes: hard, retryAfterMs: retry };
}
