// Compiles parsed statements and conditions into closures, once, at config
// time: paths become direct field accessors, literals constants, function
// arguments are bound and checked, regular expressions compiled. Evaluating
// an item is then plain function calls over the pdata objects.
import type { Arg, CallExpr, Expr, ParsedCondition, ParsedStatement } from './ast.js';
import { fastAttributeCompare, fastAttributeTypeTest } from './attr-fast.js';
import { compare } from './compare.js';
import type { ContextName, Level, TransformContext } from './context.js';
import { enumValue } from './enums.js';
import { fail, OttlSyntaxError } from './errors.js';
import { type Accessor, type Getter, type KeyFn, resolvePath } from './paths.js';
import { availableIn, type Bound, type Editor, type FunctionDef, lookup } from './registry.js';
import { fromAny, ODuration, OTime, PMap, toAny, typeName, type Value } from './values.js';
import { type WireCondition, type WireShapeOptions, wireCondition } from './wire-shape.js';
import './functions/index.js';

export type BoolFn = (c: TransformContext) => boolean;

export interface CompileOptions {
  context: ContextName;
  /** Paths must start with a context name (the flat, inferred configuration style). */
  requirePrefix: boolean;
  /** Editors are not allowed (conditions only, as in the filter processor). */
  conditionsOnly?: boolean;
}

export interface CompiledStatement {
  text: string;
  /** Undefined when the statement has no where clause. */
  where?: BoolFn;
  run: Editor;
  /** Deepest data level the statement reads or writes (0 resource, 1 scope, 2 item). */
  level: Level;
}

export interface CompiledCondition {
  text: string;
  eval: BoolFn;
  level: Level;
  /** Set when the span pass can run it on spans still in wire bytes (wire-shape.ts). */
  wire?: WireCondition;
}

const syntax = (e: { pos: number }, msg: string): never => {
  throw new OttlSyntaxError(e.pos + 1, msg);
};

class Compiler {
  /** Deepest level touched so far. */
  level: Level = 0;
  constructor(
    private readonly o: CompileOptions,
    private readonly source: string,
  ) {}

  private touch(l: Level): void {
    if (l > this.level) this.level = l;
  }

  path(e: Extract<Expr, { k: 'path' }>): Accessor {
    const a = resolvePath(e, {
      context: this.o.context,
      requirePrefix: this.o.requirePrefix,
      source: this.source,
      compileKey: (k) => this.key(k),
    });
    this.touch(a.level);
    return a;
  }

  key(e: Expr): KeyFn {
    if (e.k === 'str') return e.v;
    if (e.k === 'int') return e.v;
    return this.value(e);
  }

  value(e: Expr): Getter {
    switch (e.k) {
      case 'str':
      case 'int':
      case 'float':
      case 'bool':
      case 'bytes': {
        const v = e.v;
        return () => v;
      }
      case 'nil':
        return () => null;
      case 'ident': {
        const v = enumValue(this.o.context, e.name);
        if (v === undefined)
          return syntax(e, `enum symbol, ${e.name}, not found for context "${this.o.context}"`);
        return () => v;
      }
      case 'path':
        return this.path(e).get;
      case 'call':
        return this.converter(e);
      case 'paren':
        return this.value(e.x);
      case 'list': {
        const items = e.items.map((x) => this.value(x));
        return (c) => {
          const out: Value[] = new Array(items.length);
          for (let i = 0; i < items.length; i++) out[i] = items[i](c);
          return out;
        };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ key: x.key, get: this.value(x.value) }));
        return (c) => new PMap(entries.map((x) => ({ key: x.key, value: toAny(x.get(c)) })));
      }
      case 'math':
        return this.math(e);
      default:
        // comparisons and boolean operators cannot be values; the parser rejects them
        return syntax(e, 'a condition cannot be used as a value');
    }
  }

  private math(e: Extract<Expr, { k: 'math' }>): Getter {
    const l = this.value(e.l);
    const r = this.value(e.r);
    const op = e.op;
    return (c) => arithmetic(l(c), r(c), op);
  }

  bool(e: Expr): BoolFn {
    switch (e.k) {
      case 'or': {
        const items = e.items.map((x) => this.bool(x));
        return (c) => {
          for (let i = 0; i < items.length; i++) if (items[i](c)) return true;
          return false;
        };
      }
      case 'and': {
        const items = e.items.map((x) => this.bool(x));
        return (c) => {
          for (let i = 0; i < items.length; i++) if (!items[i](c)) return false;
          return true;
        };
      }
      case 'not': {
        const x = this.bool(e.x);
        return (c) => !x(c);
      }
      case 'paren':
        return this.bool(e.x);
      case 'bool': {
        const v = e.v;
        return () => v;
      }
      case 'call': {
        const g = this.converter(e);
        return (c) => {
          const v = g(c);
          if (typeof v !== 'boolean')
            fail(`value returned from Converter in constant expression must be bool but got ${typeName(v)}`);
          return v;
        };
      }
      case 'cmp':
        return this.comparison(e);
      default:
        return syntax(e, 'expected a condition');
    }
  }

  private comparison(e: Extract<Expr, { k: 'cmp' }>): BoolFn {
    // an item attribute by a constant key compared with a literal: read from the item's bytes
    // when it arrived as protobuf (attr-fast.ts), the general comparison below otherwise
    const attr = e.l.k === 'path' ? this.path(e.l).attr : undefined;
    const general = this.generalComparison(e);
    return (attr && fastAttributeCompare(attr, e.op, e.r, general)) || general;
  }

  private generalComparison(e: Extract<Expr, { k: 'cmp' }>): BoolFn {
    const l = this.value(e.l);
    const op = e.op;
    // Fast paths for the most common shape: a path compared with a literal.
    if (e.r.k === 'str' && (op === '==' || op === '!=')) {
      const s = e.r.v;
      return op === '==' ? (c) => l(c) === s : (c) => l(c) !== s;
    }
    if (e.r.k === 'nil' && (op === '==' || op === '!=')) {
      return op === '==' ? (c) => l(c) == null : (c) => l(c) != null;
    }
    const r = this.value(e.r);
    if (e.r.k === 'int' || e.r.k === 'ident') {
      const n = r(undefined as unknown as TransformContext) as bigint;
      return (c) => {
        const v = l(c);
        if (typeof v === 'bigint') {
          switch (op) {
            case '==':
              return v === n;
            case '!=':
              return v !== n;
            case '<':
              return v < n;
            case '<=':
              return v <= n;
            case '>':
              return v > n;
            case '>=':
              return v >= n;
          }
        }
        return compare(v, n, op);
      };
    }
    if (e.r.k === 'float') {
      // a float literal: float values compare as numbers, anything else by the general rules
      const x = e.r.v;
      if (!Number.isNaN(x))
        return (c) => {
          const v = l(c);
          if (typeof v === 'number' && !Number.isNaN(v)) {
            switch (op) {
              case '==':
                return v === x;
              case '!=':
                return v !== x;
              case '<':
                return v < x;
              case '<=':
                return v <= x;
              case '>':
                return v > x;
              case '>=':
                return v >= x;
            }
          }
          return compare(v, x, op);
        };
    }
    return (c) => compare(l(c), r(c), op);
  }

  private converter(e: CallExpr): Getter {
    const def = this.lookup(e, 'converter');
    const g = (def as Extract<FunctionDef, { kind: 'converter' }>).build(this.bind(def, e), {
      context: this.o.context,
    });
    if (e.keys.length === 0) {
      // IsString(attributes["k"]) and its siblings: the value's kind from the item's bytes (attr-fast.ts)
      const a = e.args.length === 1 && e.args[0].name === undefined ? e.args[0].value : undefined;
      const attr = a?.k === 'path' ? this.path(a).attr : undefined;
      return (attr && fastAttributeTypeTest(attr, e.name, g)) || g;
    }
    const keys = e.keys.map((k) => this.key(k));
    return (c) => indexValue(g(c), keys, c);
  }

  editor(e: CallExpr): Editor {
    const def = this.lookup(e, 'editor');
    return (def as Extract<FunctionDef, { kind: 'editor' }>).build(this.bind(def, e), {
      context: this.o.context,
    });
  }

  private lookup(e: CallExpr, kind: 'editor' | 'converter'): FunctionDef {
    const def = lookup(e.name);
    if (!def || def.kind !== kind) return syntax(e, `undefined function "${e.name}"`);
    if (kind === 'editor' && this.o.conditionsOnly) return syntax(e, `editors cannot be used in conditions`);
    if (!availableIn(def, this.o.context))
      return syntax(e, `function "${e.name}" is not supported in the "${this.o.context}" context`);
    if (e.name === 'IsRootSpan') this.touch(2);
    return def;
  }

  /** Binds positional and named arguments to the function's parameters. */
  private bind(def: FunctionDef, e: CallExpr): Bound[] {
    const params = def.params;
    const slots: (Arg | undefined)[] = new Array(params.length).fill(undefined);
    let positional = 0;
    for (const a of e.args) {
      if (a.name === undefined) {
        if (positional >= params.length)
          syntax(a, `incorrect number of arguments. Expected: ${params.length} Received: ${e.args.length}`);
        slots[positional++] = a;
        continue;
      }
      const norm = a.name.replace(/_/g, '').toLowerCase();
      const i = params.findIndex((p) => p.name.replace(/_/g, '').toLowerCase() === norm);
      if (i < 0) syntax(a, `no such parameter "${a.name}" for function "${def.name}"`);
      if (slots[i]) syntax(a, `duplicate argument "${a.name}"`);
      slots[i] = a;
    }
    const required = params.filter((p) => !p.optional).length;
    return params.map((p, i) => {
      const a = slots[i];
      if (!a) {
        if (!p.optional)
          syntax(e, `incorrect number of arguments. Expected: ${required} Received: ${e.args.length}`);
        return undefined;
      }
      try {
        return this.arg(p.kind, a.value, i);
      } catch (err) {
        if (err instanceof OttlSyntaxError) throw err;
        return syntax(a.value, `invalid argument at position ${i}: ${(err as Error).message}`);
      }
    });
  }

  private arg(kind: string, v: Expr, i: number): Bound {
    const bad = (what: string): never => syntax(v, `invalid argument at position ${i}: ${what}`);
    switch (kind) {
      case 'getter':
        return this.value(v);
      case 'getsetter': {
        if (v.k !== 'path') return bad('must be a path');
        const a = this.path(v);
        if (!a.set) return bad('the path cannot be set');
        return a;
      }
      case 'string':
        return v.k === 'str' ? v.v : bad('expected a string literal');
      case 'int':
        return v.k === 'int' ? v.v : bad('expected an int literal');
      case 'float':
        return v.k === 'float' ? v.v : v.k === 'int' ? Number(v.v) : bad('expected a float literal');
      case 'bool':
        return v.k === 'bool' ? v.v : bad('expected true or false');
      case 'stringList':
        if (v.k !== 'list') return bad('expected a list of strings');
        return v.items.map((x) => (x.k === 'str' ? x.v : bad('expected a list of string literals')));
      case 'getterList':
        if (v.k !== 'list') return bad('expected a list');
        return v.items.map((x) => this.value(x));
      case 'function': {
        const name = v.k === 'ident' ? v.name : v.k === 'call' ? v.name : bad('expected a converter name');
        const def = lookup(name as string);
        if (def?.kind !== 'converter') return bad(`undefined function "${name}"`);
        const g = def.build([(c: TransformContext) => (c as unknown as { fnArg: Value }).fnArg], {
          context: this.o.context,
        });
        const holder = { fnArg: null as Value } as unknown as TransformContext & { fnArg: Value };
        return (s: string) => {
          holder.fnArg = s;
          return g(holder);
        };
      }
      case 'enum': {
        if (v.k !== 'ident') return bad('expected an enum symbol');
        const n = enumValue(this.o.context, v.name);
        return n === undefined ? bad(`enum symbol, ${v.name}, not found`) : n;
      }
    }
    return bad(`unsupported parameter kind ${kind}`);
  }
}

function indexValue(v: Value, keys: KeyFn[], c: TransformContext): Value {
  let cur = v;
  for (const kf of keys) {
    const k = typeof kf === 'function' ? kf(c) : kf;
    if (cur instanceof PMap) {
      if (typeof k !== 'string') fail(`type ${typeName(cur)} must be indexed by a string`);
      const kv = cur.kvs.find((x) => x.key === k);
      cur = kv ? fromAny(kv.value) : null;
      if (cur === null) return null;
    } else if (Array.isArray(cur) || (cur && typeof cur === 'object' && 'values' in cur)) {
      if (typeof k !== 'bigint') fail(`type ${typeName(cur)} must be indexed by an int`);
      const list = Array.isArray(cur)
        ? cur
        : (cur as { values: import('../pdata/types.js').AnyValue[] }).values;
      if (k < 0n || k >= BigInt(list.length)) fail(`index ${k} out of bounds`);
      const item = list[Number(k)];
      cur = Array.isArray(cur) ? (item as Value) : fromAny(item as import('../pdata/types.js').AnyValue);
    } else {
      fail(`type ${typeName(cur)} does not support indexing`);
    }
  }
  return cur;
}

/** + - * / with the collector's typing rules: int with int, float with float, time with duration. */
export function arithmetic(a: Value, b: Value, op: '+' | '-' | '*' | '/'): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return BigInt.asIntN(64, a + b);
      case '-':
        return BigInt.asIntN(64, a - b);
      case '*':
        return BigInt.asIntN(64, a * b);
      case '/':
        if (b === 0n) return fail('attempted to divide by 0');
        return BigInt.asIntN(64, a / b);
    }
  }
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        if (b === 0) return fail('attempted to divide by 0');
        return a / b;
    }
  }
  if (op === '+' || op === '-') {
    if (a instanceof OTime && b instanceof OTime && op === '-') return new ODuration(a.ns - b.ns);
    if (a instanceof OTime && b instanceof ODuration)
      return new OTime(op === '+' ? a.ns + b.ns : a.ns - b.ns);
    if (a instanceof ODuration && b instanceof OTime && op === '+') return new OTime(a.ns + b.ns);
    if (a instanceof ODuration && b instanceof ODuration)
      return new ODuration(op === '+' ? a.ns + b.ns : a.ns - b.ns);
  }
  return fail(`unsupported math operation: ${typeName(a)} ${op} ${typeName(b)}`);
}

export function compileStatement(p: ParsedStatement, o: CompileOptions): CompiledStatement {
  const c = new Compiler(o, p.text);
  const run = c.editor(p.editor);
  const where = p.where ? c.bool(p.where) : undefined;
  return { text: p.text, run, where, level: c.level };
}

export function compileCondition(p: ParsedCondition, o: CompileOptions): CompiledCondition {
  const c = new Compiler(o, p.text);
  const evalFn = c.bool(p.expr);
  return { text: p.text, eval: evalFn, level: c.level, wire: wireCondition(p.expr, wireOptions(o, p.text)) };
}

/** What wire-shape.ts needs: the path options, and the level of a part compiled alone. */
function wireOptions(o: CompileOptions, source: string): WireShapeOptions {
  return {
    context: o.context,
    requirePrefix: o.requirePrefix,
    source,
    levelOf: (e) => {
      const c = new Compiler({ ...o, conditionsOnly: true }, source);
      c.bool(e);
      return c.level;
    },
  };
}

/** A value expression on its own (for components that take an OTTL value, and for tests). */
export function compileValueExpr(e: Expr, source: string, o: CompileOptions): { get: Getter; level: Level } {
  const c = new Compiler(o, source);
  return { get: c.value(e), level: c.level };
}
