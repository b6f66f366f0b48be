// The decision caches (decision_cache.sampled_cache_size / non_sampled_cache_size):
// LRU sets of trace IDs whose decision was made, so spans arriving after the
// trace left memory still follow it. Keyed like the collector's
// (cache/lru_cache.go): by the right half of the trace ID only, 8 bytes.
export class DecisionCache {
  private readonly map = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** `traceKey`: the 16-byte trace ID as a latin1 string. A hit refreshes recency. */
  has(traceKey: string): boolean {
    if (this.capacity === 0) return false;
    const k = traceKey.slice(8);
    if (!this.map.has(k)) return false;
    this.map.delete(k);
    this.map.set(k, true);
    return true;
  }

  put(traceKey: string): void {
    if (this.capacity === 0) return;
    const k = traceKey.slice(8);
    this.map.delete(k);
    this.map.set(k, true);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}
