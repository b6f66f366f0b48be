// The syntax tree of OTTL statements and conditions. Every node keeps the
// 0-based offset (`pos`) where it starts, so compile errors can name a column.

export interface PathSegment {
  name: string;
  keys: Expr[];
  pos: number;
}

export interface Arg {
  /** Set for named arguments (`name = value`). */
  name?: string;
  value: Expr;
  pos: number;
}

export type Expr =
  | { k: 'str'; v: string; pos: number }
  | { k: 'int'; v: bigint; pos: number }
  | { k: 'float'; v: number; pos: number }
  | { k: 'bool'; v: boolean; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'bytes'; v: Uint8Array; pos: number }
  /** A bare upper-case identifier: an enum symbol, or a function name passed as an argument. */
  | { k: 'ident'; name: string; pos: number }
  | { k: 'path'; segs: PathSegment[]; pos: number; end: number }
  | { k: 'call'; name: string; args: Arg[]; keys: Expr[]; pos: number }
  | { k: 'list'; items: Expr[]; pos: number }
  | { k: 'map'; entries: { key: string; value: Expr; pos: number }[]; pos: number }
  | { k: 'paren'; x: Expr; pos: number }
  | { k: 'math'; op: '+' | '-' | '*' | '/'; l: Expr; r: Expr; pos: number }
  | { k: 'cmp'; op: CmpOp; l: Expr; r: Expr; pos: number }
  | { k: 'and'; items: Expr[]; pos: number }
  | { k: 'or'; items: Expr[]; pos: number }
  | { k: 'not'; x: Expr; pos: number };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type PathExpr = Extract<Expr, { k: 'path' }>;
export type CallExpr = Extract<Expr, { k: 'call' }>;

export interface ParsedStatement {
  editor: CallExpr;
  where?: Expr;
  text: string;
}

export interface ParsedCondition {
  expr: Expr;
  text: string;
}

/** Calls `fn` on every node of the tree, parents first. */
export function walk(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  switch (e.k) {
    case 'path':
      for (const s of e.segs) for (const key of s.keys) walk(key, fn);
      break;
    case 'call':
      for (const a of e.args) walk(a.value, fn);
      for (const key of e.keys) walk(key, fn);
      break;
    case 'list':
      for (const x of e.items) walk(x, fn);
      break;
    case 'map':
      for (const x of e.entries) walk(x.value, fn);
      break;
    case 'paren':
    case 'not':
      walk(e.x, fn);
      break;
    case 'math':
    case 'cmp':
      walk(e.l, fn);
      walk(e.r, fn);
      break;
    case 'and':
    case 'or':
      for (const x of e.items) walk(x, fn);
      break;
  }
}
