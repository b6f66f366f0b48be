// The memory Tsunagi can free: the V8 heap in use plus the memory held by
// ArrayBuffers and other external allocations V8 knows about (request bodies,
// pooled buffers, encoded batches). This, not the RSS, is what the memory
// limiter and the decode admission measure: freed memory the allocator keeps
// (zlib's output after a refused gzip bomb, a large response read and dropped)
// stays in the RSS for minutes, and a limiter reading the RSS then refuses
// every request long after the load is gone. The collector measures the Go
// heap (runtime.MemStats.Alloc) for the same reason.
import { getHeapStatistics } from 'node:v8';

export interface MemoryUse {
  /** V8 heap in use (live objects and garbage not yet collected). */
  heapUsed: number;
  /** ArrayBuffers and other external memory V8 accounts for. */
  external: number;
  /** The V8 heap's limit (--max-old-space-size plus the young generation). */
  heapLimit: number;
}

/** One reading (about 1 µs). */
export function memoryUse(): MemoryUse {
  const h = getHeapStatistics();
  return { heapUsed: h.used_heap_size, external: h.external_memory, heapLimit: h.heap_size_limit };
}

/** The figure the limits apply to: heap in use plus external memory, in bytes. */
export function memoryInUse(u: MemoryUse = memoryUse()): number {
  return u.heapUsed + u.external;
}
