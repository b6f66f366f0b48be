// Holding pdata past the consume() call that handed it over. Unread items may
// still be bytes in a pooled buffer (lazy.ts); the caller that handed them over
// releases its own lease when that call settles, so a component that keeps the
// data longer (a batch being filled, an exporter's memory queue) holds the
// leases until it let go of the data. Forgetting to hold risks reused memory
// (and throws on the next read); forgetting to release only costs the pool a
// buffer, which the GC then frees as usual.
import { type Lease, leaseOf } from './lazy.js';
import type { SignalData } from './signal.js';
import type { LogsData, TracesData } from './types.js';

/** What holdData() took; give it to releaseHeld() exactly once. */
export type Held = Lease[] | undefined;

/** Holds every lease `data` depends on (none for most data). */
export function holdData(data: SignalData): Held {
  const entries: readonly object[] =
    (data as TracesData).resourceSpans ?? (data as LogsData).resourceLogs ?? [];
  const held: Lease[] = [];
  for (const e of entries) {
    const lease = leaseOf(e);
    // entries of one request are adjacent: the last lease is the usual repeat
    if (lease === undefined || held[held.length - 1] === lease || held.includes(lease)) continue;
    lease.hold();
    held.push(lease);
  }
  return held.length > 0 ? held : undefined;
}

export function releaseHeld(held: Held): void {
  if (held) for (const lease of held) lease.release();
}
