// When in its interval a target is scraped (Prometheus Target.offset): a
// fixed phase from a hash of the target, so targets of one job spread over
// the interval instead of being fetched at the same instant, and each keeps
// its phase across restarts.

/** 32-bit FNV-1a. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Milliseconds from `nowMs` until the target's first scrape. */
export function scrapeOffsetMs(targetKey: string, seed: number, intervalMs: number, nowMs: number): number {
  const base = intervalMs - (nowMs % intervalMs);
  const offset = ((fnv1a(targetKey) ^ seed) >>> 0) % intervalMs;
  let next = base + offset;
  if (next > intervalMs) next -= intervalMs;
  return next;
}
