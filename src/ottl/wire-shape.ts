// Which span conditions the span pass (wire-run.ts) runs on spans still in
// wire bytes, told once at config time from their syntax tree: conditions
// built from and/or/not, literals, comparisons of a span attribute by a
// constant key with a literal and IsString/IsInt/... of one (the shapes
// attr-fast.ts answers from bytes), and parts that read only resource paths.
// Anything else keeps the general evaluation.
import type { CmpOp, Expr } from './ast.js';
import { fastAttributeCompare, fastAttributeTypeTest } from './attr-fast.js';
import type { ContextName } from './context.js';
import { type ItemAttributeRef, resolvePath } from './paths.js';

/** A condition the pass can run: the span attribute keys it reads. */
export interface WireCondition {
  keys: string[];
}

export interface WireShapeOptions {
  context: ContextName;
  requirePrefix: boolean;
  source: string;
  /** The deepest level the compiled expression touches (0: resource paths only). */
  levelOf: (e: Expr) => number;
}

const never = () => false;

/** The span attribute a path names by a constant key, if it does (in the span context). */
function spanAttribute(e: Expr, o: WireShapeOptions): ItemAttributeRef | undefined {
  if (o.context !== 'span' || e.k !== 'path') return undefined;
  try {
    const a = resolvePath(e, {
      context: o.context,
      requirePrefix: o.requirePrefix,
      source: o.source,
      compileKey: (k) => (k.k === 'str' ? k.v : k.k === 'int' ? k.v : () => null),
    });
    return a.context === 'span' && a.attr !== undefined ? a.attr : undefined;
  } catch {
    return undefined;
  }
}

/** The keys the condition `e` reads, if the pass can run it. */
export function wireCondition(e: Expr, o: WireShapeOptions): WireCondition | undefined {
  if (o.context !== 'span') return undefined;
  const keys: string[] = [];
  return collect(e, o, keys) ? { keys } : undefined;
}

function collect(e: Expr, o: WireShapeOptions, keys: string[]): boolean {
  switch (e.k) {
    case 'and':
    case 'or':
      return e.items.every((x) => collect(x, o, keys));
    case 'not':
    case 'paren':
      return collect(e.x, o, keys);
    case 'bool':
      return true;
    case 'cmp': {
      const attr = spanAttribute(e.l, o);
      if (attr !== undefined && fastAttributeCompare(attr, e.op as CmpOp, e.r, never) !== undefined) {
        keys.push(attr.key);
        return true;
      }
      return resourceOnly(e, o);
    }
    case 'call': {
      const a = e.keys.length === 0 && e.args.length === 1 && e.args[0].name === undefined;
      const attr = a ? spanAttribute(e.args[0].value, o) : undefined;
      if (attr !== undefined && fastAttributeTypeTest(attr, e.name, never) !== undefined) {
        keys.push(attr.key);
        return true;
      }
      return resourceOnly(e, o);
    }
    default:
      return false;
  }
}

/** A part that reads resource paths only (the pass sets the resource as the general way does). */
function resourceOnly(e: Expr, o: WireShapeOptions): boolean {
  try {
    return o.levelOf(e) === 0;
  } catch {
    return false;
  }
}
