import type { Signal, SignalDataMap } from './signal.js';

/**
 * Deep copy for fan-out to a mutating branch (DESIGN.md). Uint8Array IDs are
 * treated as immutable and shared: processors replace IDs, never write into them.
 */
export function cloneData<S extends Signal>(_signal: S, data: SignalDataMap[S]): SignalDataMap[S] {
  return deepClone(data);
}

function deepClone<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepClone(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = deepClone((v as Record<string, unknown>)[k]);
  return out as T;
}
