// A load generator's schedule: `perMs` units (requests, batches) per millisecond
// from now on, shared by all its workers; 0 means unpaced (as fast as answered).
/** Returns a function that waits for the next unit's slot; it never bursts to catch up more than 10 ms. */
export function pacer(perMs: number): () => Promise<void> {
  const start = Date.now();
  let issued = 0;
  return async () => {
    if (perMs === 0) return;
    const due = start + issued++ / perMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -10) issued = Math.ceil((Date.now() - 10 - start) * perMs);
  };
}
