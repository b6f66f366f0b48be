// A tighter growth of V8's old generation while a component holds data for a long time.
//
// After each full GC, V8 sets the trigger of the next one at a multiple of what survived it (up
// to 4x for a process that allocates fast). A component that keeps data for tens of seconds
// (tail_sampling: every span for decision_wait) makes the objects of the requests in flight
// survive a few scavenges: they are promoted, die in the old generation, and the old generation
// grows far beyond what is live. Measured (bench/tail-sampling-sim.ts, 100k spans/s, 30 s
// decision_wait): 29 MiB live after a full GC against 118 MiB used and 400 MiB RSS, while the
// held spans are 88 MiB off the heap. With the factor fixed at 1.1: 281 MiB (1.2: 298-331 MiB,
// 1.5: 310 MiB), for about +1 CPU-s per million spans in the processor (2.6-2.8 -> 3.5-3.9): more
// full GCs, each over a small live heap.
//
// --heap-growing-percent fixes the factor at 1 + percent/100. V8 reads the flag each time it
// sets the trigger, so it takes effect when set at run time. Reference counted: the factor goes
// back to V8's own heuristic when the last holder lets go. An explicit --heap-growing-percent
// (command line or NODE_OPTIONS) is the user's choice: nothing is changed then.
// TSUNAGI_HEAP_GROWING_PERCENT overrides the percent (0: off).
import { setFlagsFromString } from 'node:v8';

/** Old generation growth factor, in percent above what survived the last full GC. */
export const DEFAULT_HEAP_GROWING_PERCENT = 10;

/** True when the Node flags already fix the growth factor. */
export function heapGrowingFlagGiven(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = (s: string) => /--heap[-_]growing[-_]percent/.test(s);
  return execArgv.some(given) || given(nodeOptions);
}

let holders = 0;

/**
 * Holds the old generation's growth at `percent` until the returned function is called (once per
 * holder). Does nothing, and returns a no-op, when the flag was given or `percent` is 0.
 */
export function limitOldGenerationGrowth(
  percent = Number(process.env.TSUNAGI_HEAP_GROWING_PERCENT ?? DEFAULT_HEAP_GROWING_PERCENT),
): () => void {
  if (!(percent > 0) || heapGrowingFlagGiven()) return () => {};
  if (holders++ === 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    // 0 is V8's default: its own heuristic
    if (--holders === 0) setFlagsFromString('--heap-growing-percent=0');
  };
}

/** Holders now (tests). */
export function oldGenerationGrowthHolders(): number {
  return holders;
}
