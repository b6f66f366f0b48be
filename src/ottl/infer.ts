// Context inference, as the collector does for flat statements and groups
// without `context`: the path prefixes name candidate contexts
// (`span.name` → span); the highest-priority one is chosen (log, datapoint,
// metric, spanevent, span, resource, scope), provided it can reach every
// prefixed path and supports every function and enum used; otherwise the
// next context of the signal that does.
import { type Expr, walk } from './ast.js';
import { type ContextName, REACHABLE } from './context.js';
import { enumValue } from './enums.js';
import { pathPrefix } from './paths.js';
import { availableIn, lookup } from './registry.js';

const PRIORITY: readonly ContextName[] = [
  'log',
  'datapoint',
  'metric',
  'spanevent',
  'span',
  'resource',
  'scope',
];

export interface Hints {
  contexts: Set<ContextName>;
  functions: Set<string>;
  enums: Set<string>;
}

/** Unknown symbols do not steer inference; compiling reports them precisely. */
const KNOWN_ANYWHERE = (e: string) => PRIORITY.some((c) => enumValue(c, e) !== undefined);

export function newHints(): Hints {
  return { contexts: new Set(), functions: new Set(), enums: new Set() };
}

export function collectHints(e: Expr, h: Hints): void {
  walk(e, (x) => {
    if (x.k === 'path') {
      const p = pathPrefix(x);
      if (p) h.contexts.add(p);
    } else if (x.k === 'call') h.functions.add(x.name);
    else if (x.k === 'ident') h.enums.add(x.name);
  });
}

function supports(ctx: ContextName, h: Hints): boolean {
  for (const p of h.contexts) if (!REACHABLE[ctx].includes(p)) return false;
  for (const f of h.functions) {
    const def = lookup(f);
    if (def && !availableIn(def, ctx)) return false;
  }
  for (const e of h.enums) {
    // a bare identifier may also name a function passed as an argument (e.g. SHA256)
    if (enumValue(ctx, e) === undefined && !lookup(e) && KNOWN_ANYWHERE(e)) return false;
  }
  return true;
}

/**
 * The context to run statements in, or undefined when no path names a
 * context (the caller reports that) or no context of the signal fits.
 */
export function inferContext(h: Hints, allowed: readonly ContextName[]): ContextName | undefined {
  if (h.contexts.size === 0) return undefined;
  const named = PRIORITY.find((c) => h.contexts.has(c));
  if (named && allowed.includes(named) && supports(named, h)) return named;
  return PRIORITY.find((c) => allowed.includes(c) && supports(c, h));
}
