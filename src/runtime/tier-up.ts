// Lets V8's optimizing compiler (TurboFan) take over hot functions after fewer
// runs than Node's default. V8 optimizes a function once it has executed about
// 4 x 66 KB of its bytecode (--interrupt-budget ticks, more for larger functions),
// and waits again after every inline-cache change. Tsunagi's per-request path
// (node:http's request and answer objects, the receiver, the queues) runs once per
// request: at 100 requests/s, a paced OTLP relay of 10k spans/s, much of it was
// still in the baseline tier 20 s after start (perf samples: 36 % of the main
// thread's JavaScript frames baseline code, V8's inline-cache builtins on top),
// which cost about a quarter of the relay's CPU per span. A 4x smaller budget
// optimizes that path within seconds; busy processes were optimized early anyway.
//
// Flags the user gave (command line or NODE_OPTIONS) are left alone; TSUNAGI_V8_TIER_UP
// replaces the flags set here (empty: none).
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_TIER_UP_FLAGS = '--interrupt-budget=16384';

/** The flag's name without leading dashes or a value, dashes and underscores alike. */
function flagName(flag: string): string {
  return flag.replace(/^--/, '').replace(/=.*$/, '').replaceAll('_', '-');
}

/** The flags to set: `wanted` minus any the user's Node flags already name. */
export function tierUpFlags(
  wanted = process.env.TSUNAGI_V8_TIER_UP ?? DEFAULT_TIER_UP_FLAGS,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = new Set(
    [...execArgv, ...nodeOptions.split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName),
  );
  return wanted.split(/\s+/).filter((f) => f.startsWith('--') && !given.has(flagName(f)));
}

/** Sets the tier-up flags (see tierUpFlags); returns those it set. */
export function tierUpSooner(): string[] {
  const flags = tierUpFlags();
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
