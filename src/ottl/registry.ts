// Function signatures. A function lists its parameters (name, kind, optional)
// the way the collector's `Arguments` structs do; the compiler binds the
// invocation's positional and named arguments to them once, at config time,
// and hands the function ready closures.
import type { ContextName, TransformContext } from './context.js';
import type { Accessor, Getter } from './paths.js';
import type { Value } from './values.js';

export type ParamKind =
  /** Any value expression, evaluated per item. */
  | 'getter'
  /** A path that can be read and written. */
  | 'getsetter'
  /** Literals, fixed at config time. */
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  /** `["a", "b"]` of string literals. */
  | 'stringList'
  /** `[v1, v2, ...]` of value expressions. */
  | 'getterList'
  /** The name of a converter taking one string (e.g. SHA256), passed without parentheses. */
  | 'function'
  /** An enum symbol. */
  | 'enum';

export interface Param {
  name: string;
  kind: ParamKind;
  optional?: boolean;
}

/** What a parameter was bound to (undefined: an omitted optional parameter). */
export type Bound =
  | Getter
  | Accessor
  | string
  | bigint
  | number
  | boolean
  | string[]
  | Getter[]
  | ((s: string) => Value)
  | undefined;

export type Editor = (c: TransformContext) => void;

export interface BuildInfo {
  context: ContextName;
}

interface Base {
  name: string;
  params: Param[];
  /** Contexts the function works in (default: all). */
  contexts?: readonly ContextName[];
}

export interface EditorDef extends Base {
  kind: 'editor';
  /** Throws an Error with a message for invalid literal arguments (a config error). */
  build(args: Bound[], info: BuildInfo): Editor;
}

export interface ConverterDef extends Base {
  kind: 'converter';
  build(args: Bound[], info: BuildInfo): Getter;
}

export type FunctionDef = EditorDef | ConverterDef;

const registry = new Map<string, FunctionDef>();

export function register(...defs: FunctionDef[]): void {
  for (const d of defs) registry.set(d.name, d);
}

export function lookup(name: string): FunctionDef | undefined {
  return registry.get(name);
}

export function functionNames(): string[] {
  return [...registry.keys()];
}

/** Whether `name` can be used in `context`. */
export function availableIn(def: FunctionDef, context: ContextName): boolean {
  return !def.contexts || def.contexts.includes(context);
}
