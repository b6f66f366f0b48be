// A ceiling on V8's young generation when the user set none. Node sizes it from
// the host's memory: on a 24 GiB machine a 16 MiB semi-space, so 32 MiB of new
// space stays resident once allocation grew it there, which is most of what the
// OTLP traces relay holds beyond Node's own baseline under default flags
// (187-203 MiB peak measured against a 150 MiB target). 4 MiB rather than 8: in the
// agent path (file_log → otlp_http, persistent queue) a 4 MiB semi-space cost no more
// CPU per line than 8 or 16 and peaked at 121-131 MiB against 138 (8) and 164-170 (16),
// interleaved runs; 2 MiB or less costs +30-60 % CPU there.
//
// --max-semi-space-size is read once, when the heap is set up: setting it at run
// time changes nothing. V8 reads --semi-space-growth-factor each time a scavenge
// grows the new space, though (new capacity = min(maximum, factor x current)):
// with a factor of 1 it stops growing. So the factor stays at its default while
// the semi-space is below the ceiling and drops to 1 once it reaches it; if V8
// later shrinks the new space (a quiet period), the factor goes back up so it
// can grow again. Checked after every GC (a `gc` performance entry); a scavenge
// between two checks can overshoot by one doubling at most.
//
// Until the service is up the new space does not grow at all (factor 1): start-up is one
// long synchronous stretch (evaluating the bundle, the config, the codec warm-up of the
// OTLP receiver) in which V8 ran 7-8 scavenges before the first check could see one, and
// the semi-space went 1 -> 8 MiB and stayed there (16 MiB of new space resident, the OTLP
// relay's young generation at twice its ceiling). So the binary sets the cap before its
// other modules are evaluated (app/heap-first.ts), and once the service said it is ready
// (youngGenerationMayGrow(), at "Everything is ready") the event loop turns between
// collections and the checks keep up.
//
// An explicit --max-semi-space-size / --min-semi-space-size (command line or
// NODE_OPTIONS, as the Kubernetes manifests set) is the user's choice: nothing
// is changed then. TSUNAGI_MAX_SEMI_SPACE_MB overrides the ceiling (0: off).
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Ceiling in MiB per semi-space when the user set none: a quarter of Node's default on large hosts. */
export const DEFAULT_MAX_SEMI_SPACE_MB = 4;
/** V8's default --semi-space-growth-factor. */
const DEFAULT_GROWTH_FACTOR = 2;

/** True when the Node flags already size the young generation. */
export function semiSpaceFlagGiven(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = (s: string) => /--(max|min)[-_]semi[-_]space[-_]size/.test(s);
  return execArgv.some(given) || given(nodeOptions);
}

/** The semi-space size in MiB now (half the new space V8 reports). */
export function semiSpaceMiB(): number {
  const ns = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return ns === undefined ? 0 : ns.space_size / 2 / 1048576;
}

/** The running cap's check, while one runs (see capYoungGeneration). */
let active: { ready: boolean; check: () => void } | undefined;

/**
 * Keeps the semi-space at or below `maxMiB` (see above); returns a function that
 * stops watching (the growth factor is left as it last was). The new space does not
 * grow until youngGenerationMayGrow() is called. Does nothing, and returns a no-op,
 * when a semi-space flag was given or `maxMiB` is 0.
 */
export function capYoungGeneration(
  maxMiB = Number(process.env.TSUNAGI_MAX_SEMI_SPACE_MB ?? DEFAULT_MAX_SEMI_SPACE_MB),
): () => void {
  if (!(maxMiB > 0) || semiSpaceFlagGiven()) return () => {};
  let factor = DEFAULT_GROWTH_FACTOR;
  const state = {
    ready: false,
    check: () => {
      const want =
        state.ready && semiSpaceMiB() * DEFAULT_GROWTH_FACTOR <= maxMiB ? DEFAULT_GROWTH_FACTOR : 1;
      if (want !== factor) {
        factor = want;
        setFlagsFromString(`--semi-space-growth-factor=${want}`);
      }
    },
  };
  active = state;
  state.check();
  const obs = new PerformanceObserver(state.check);
  obs.observe({ entryTypes: ['gc'] });
  return () => {
    obs.disconnect();
    if (active === state) active = undefined;
  };
}

/** Start-up is over: the capped young generation may grow up to its ceiling (a no-op without a cap). */
export function youngGenerationMayGrow(): void {
  if (active === undefined || active.ready) return;
  active.ready = true;
  active.check();
}
