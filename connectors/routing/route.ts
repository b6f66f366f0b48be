// One routing table entry, compiled: an OTTL condition in its context, or the
// `request` context's `request["key"] == "value"` / `!=` comparison on the
// request's metadata. A `statement` is `route() where <condition>` (or a bare
// `route()`, which always matches), as in the collector, where a condition is
// turned into exactly that statement.
import type { RequestContext } from '../../src/component/consumer.js';
import {
  type ConditionSet,
  type ContextName,
  compileConditions,
  type ErrorMode,
  OttlConfigError,
} from '../../src/ottl/index.js';
import type { Signal } from '../../src/pdata/signal.js';

export const ROUTE_CONTEXTS = ['resource', 'span', 'metric', 'datapoint', 'log', 'request'] as const;
export type RouteContext = (typeof ROUTE_CONTEXTS)[number];

/** Contexts an inferred route may land in: the collector's routing parser collection (less `otelcol`). */
const INFERABLE: readonly ContextName[] = ['resource', 'span', 'metric', 'datapoint', 'log'];

/** The pipelines of which signal each item context routes. */
const CONTEXT_SIGNAL: Partial<Record<ContextName, Signal>> = {
  span: 'traces',
  metric: 'metrics',
  datapoint: 'metrics',
  log: 'logs',
};

/** Contexts an explicit context's paths may reach (the higher ones of its signal). */
const ALLOWED: Record<Exclude<RouteContext, 'request'>, readonly ContextName[]> = {
  resource: ['resource'],
  span: ['resource', 'scope', 'span'],
  metric: ['resource', 'scope', 'metric'],
  datapoint: ['resource', 'scope', 'metric', 'datapoint'],
  log: ['resource', 'scope', 'log'],
};

export interface RouteConfig {
  context?: RouteContext;
  statement?: string;
  condition?: string;
  pipelines: string[];
}

export type CompiledRoute =
  | { kind: 'request'; text: string; key: string; equals: boolean; value: string; pipelines: string[] }
  | {
      kind: 'ottl';
      text: string;
      /** The context it runs in; `set` is undefined for a bare `route()` (always matches). */
      context: ContextName;
      set?: ConditionSet;
      pipelines: string[];
    };

/** A config error in a route: which key, and why. */
export class RouteError extends Error {
  constructor(
    readonly key: 'statement' | 'condition' | 'context',
    message: string,
  ) {
    super(message);
  }
}

const ROUTE_STATEMENT = /^\s*route\s*\(\s*\)\s*(?:where\s+([\s\S]+?))?\s*$/;

/** The condition of a `route() where …` statement; null for a bare `route()`. */
function statementCondition(statement: string): string | null {
  const m = ROUTE_STATEMENT.exec(statement);
  if (!m)
    throw new RouteError(
      'statement',
      'a routing statement must be "route() where <condition>" (Tsunagi runs no other editor here); or give the condition in `condition`',
    );
  return m[1] ?? null;
}

/**
 * The collector's request condition grammar: exactly `request["name"] == "value"`
 * or `!=`, one comparator (routingconnector/request.go).
 */
function requestCondition(text: string): { key: string; equals: boolean; value: string } {
  const comparators = text.match(/==|!=/g) ?? [];
  if (comparators.length === 0)
    throw new RouteError('condition', 'condition does not contain a valid comparator');
  if (comparators.length > 1) throw new RouteError('condition', 'condition contains multiple comparators');
  const comparator = comparators[0]!;
  const [left, right] = text.split(comparator).map((s) => s.trim());
  const key = /^request\["(.*)"\]$/.exec(left);
  if (!key)
    throw new RouteError('condition', `condition must have format 'request["<name>"] <comparator> <value>'`);
  const value = /^"(.*)"$/.exec(right);
  if (!value)
    throw new RouteError(
      'condition',
      `condition must have format 'request["<name>"] <comparator> "<value>"'`,
    );
  return { key: key[1], equals: comparator === '==', value: value[1] };
}

function compileIn(condition: string, context: ContextName | undefined, errorMode: ErrorMode): ConditionSet {
  const sets = compileConditions([condition], {
    context,
    allowed: context ? ALLOWED[context as Exclude<RouteContext, 'request'>] : INFERABLE,
    errorMode,
  });
  return sets[0];
}

/**
 * Compiles a route. Without `context` the context is inferred from the path
 * prefixes, and paths without one belong to `resource` (the collector's
 * fallback, which keeps `attributes["x"]` meaning resource attributes).
 */
export function compileRoute(r: RouteConfig, errorMode: ErrorMode): CompiledRoute {
  const key = r.statement ? 'statement' : 'condition';
  if (r.context === 'request') {
    if (r.statement || !r.condition)
      throw new RouteError('context', `"request" context requires a 'condition'`);
    return { kind: 'request', text: r.condition, ...requestCondition(r.condition), pipelines: r.pipelines };
  }
  const text = (r.statement || r.condition)!;
  const condition = r.statement ? statementCondition(r.statement) : r.condition!;
  try {
    if (condition === null)
      return { kind: 'ottl', text, context: r.context ?? 'resource', pipelines: r.pipelines };
    if (r.context) {
      const set = compileIn(condition, r.context, errorMode);
      return { kind: 'ottl', text, context: r.context, set, pipelines: r.pipelines };
    }
    let set: ConditionSet;
    try {
      set = compileIn(condition, undefined, errorMode);
    } catch (inferred) {
      try {
        set = compileIn(condition, 'resource', errorMode);
      } catch {
        throw inferred;
      }
    }
    return { kind: 'ottl', text, context: set.context, set, pipelines: r.pipelines };
  } catch (err) {
    if (err instanceof OttlConfigError) throw new RouteError(key, err.message);
    throw err;
  }
}

/** Whether a route's context exists in pipelines of `signal` (resource and request: all). */
export function routesSignal(route: CompiledRoute, signal: Signal): boolean {
  if (route.kind === 'request') return true;
  const s = CONTEXT_SIGNAL[route.context];
  return s === undefined || s === signal;
}

/** The request context's comparison: any value of the key, as the collector's matchRequest. */
export function matchRequest(
  route: Extract<CompiledRoute, { kind: 'request' }>,
  ctx: RequestContext | undefined,
): boolean {
  const values = ctx?.metadata?.[route.key.toLowerCase()];
  if (!values) return false;
  return values.some((v) => (v === route.value) === route.equals);
}
