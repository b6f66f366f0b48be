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
  /** Bytes left below its hard limit now (measured when asked, not at its last check). */
  freeBytes(): number;
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

export interface MemoryPressure {
  /** Some limiter refuses data. */
  refusing: boolean;
  /** The lowest hard limit (infinite without limiters). */
  hardLimitBytes: number;
  /** The least bytes any limiter has left below its hard limit (infinite without limiters). */
  freeBytes: number;
  /** The longest delay a refusing limiter suggests (at least 1 s). */
  retryAfterMs: number;
}

/** The registered gauges' combined view. */
export function memoryPressure(): MemoryPressure {
  let refusing = false;
  let hard = Number.POSITIVE_INFINITY;
  let free = Number.POSITIVE_INFINITY;
  let retry = 1000;
  for (const g of gauges) {
    if (g.refusing) {
      refusing = true;
      retry = Math.max(retry, g.retryAfterMs);
    }
    hard = Math.min(hard, g.hardLimitBytes);
    free = Math.min(free, g.freeBytes());
  }
  return { refusing, hardLimitBytes: hard, freeBytes: free, retryAfterMs: retry };
}
