// Recursive-descent parser for OTTL (the collector's pkg/ottl grammar,
// LANGUAGE.md): `editor(args) where condition` statements and standalone
// conditions. The grammar is parsed into one expression tree and then checked
// for the collector's rules (which values may be compared, which may be
// operands of + - * /, editors lower-case, converters upper-case), so a
// parenthesis never needs backtracking and every error names a column.
import type { Arg, CallExpr, CmpOp, Expr, ParsedCondition, ParsedStatement, PathSegment } from './ast.js';
import { OttlSyntaxError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

/** Nesting limit for parentheses, lists, maps and calls: deeper input is an error, not a stack overflow. */
const MAX_DEPTH = 64;

function describe(t: Token): string {
  return t.type === 'eof' ? 'end of input' : JSON.stringify(t.text);
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private get t(): Token {
    return this.toks[this.i];
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)];
  }
  private is(type: Token['type'], text?: string): boolean {
    const t = this.t;
    return t.type === type && (text === undefined || t.text === text);
  }
  private err(what: string, t: Token = this.t): never {
    throw new OttlSyntaxError(t.pos + 1, `expected ${what}, found ${describe(t)}`);
  }
  private expect(type: Token['type'], text: string, what = JSON.stringify(text)): Token {
    if (!this.is(type, text)) this.err(what);
    return this.toks[this.i++];
  }
  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) throw new OttlSyntaxError(t.pos + 1, 'expression is nested too deeply');
  }

  statement(text: string): ParsedStatement {
    const t = this.t;
    if (t.type !== 'ident' || this.peek().text !== '(' || this.peek().type !== 'punct')
      this.err('an editor invocation such as set(...)');
    const editor = this.call();
    if (!/^[a-z]/.test(editor.name))
      throw new OttlSyntaxError(
        editor.pos + 1,
        `editor names must start with a lowercase letter but got '${editor.name}'`,
      );
    if (editor.keys.length > 0)
      throw new OttlSyntaxError(
        editor.keys[0].pos,
        `only paths and converters may be indexed, not editors, but got ${editor.name}`,
      );
    for (const a of editor.args) checkValue(a.value);
    let where: Expr | undefined;
    if (this.is('kw', 'where')) {
      this.i++;
      where = this.or();
      checkBool(where);
    }
    if (!this.is('eof')) this.err(where ? '"and", "or" or end of statement' : '"where" or end of statement');
    return { editor, where, text };
  }

  condition(text: string): ParsedCondition {
    const expr = this.or();
    checkBool(expr);
    if (!this.is('eof')) this.err('"and", "or" or end of condition');
    return { expr, text };
  }

  /** A standalone value (a Getter argument, a key). */
  value(): Expr {
    const e = this.or();
    checkValue(e);
    if (!this.is('eof')) this.err('end of expression');
    return e;
  }

  private or(): Expr {
    const first = this.and();
    if (!this.is('kw', 'or')) return first;
    const items = [first];
    while (this.is('kw', 'or')) {
      this.i++;
      items.push(this.and());
    }
    return { k: 'or', items, pos: first.pos };
  }

  private and(): Expr {
    const first = this.not();
    if (!this.is('kw', 'and')) return first;
    const items = [first];
    while (this.is('kw', 'and')) {
      this.i++;
      items.push(this.not());
    }
    return { k: 'and', items, pos: first.pos };
  }

  private not(): Expr {
    if (this.is('kw', 'not')) {
      const pos = this.t.pos;
      this.i++;
      if (this.is('kw', 'not')) this.err('a condition after "not"');
      return { k: 'not', x: this.cmp(), pos };
    }
    return this.cmp();
  }

  private cmp(): Expr {
    const l = this.add();
    if (!this.is('cmp')) return l;
    const op = this.t.text as CmpOp;
    this.i++;
    const r = this.add();
    if (this.is('cmp')) this.err('"and", "or" or the end of the comparison (comparisons cannot be chained)');
    return { k: 'cmp', op, l, r, pos: l.pos };
  }

  private add(): Expr {
    let l = this.mul();
    while (this.is('math', '+') || this.is('math', '-')) {
      const op = this.t.text as '+' | '-';
      this.i++;
      const r = this.mul();
      l = { k: 'math', op, l, r, pos: l.pos };
    }
    return l;
  }

  private mul(): Expr {
    let l = this.primary();
    while (this.is('math', '*') || this.is('math', '/')) {
      const op = this.t.text as '*' | '/';
      this.i++;
      const r = this.primary();
      l = { k: 'math', op, l, r, pos: l.pos };
    }
    return l;
  }

  private primary(): Expr {
    const t = this.t;
    switch (t.type) {
      case 'string':
        this.i++;
        return { k: 'str', v: t.value as string, pos: t.pos };
      case 'int':
        this.i++;
        return { k: 'int', v: t.value as bigint, pos: t.pos };
      case 'float':
        this.i++;
        return { k: 'float', v: t.value as number, pos: t.pos };
      case 'bytes':
        this.i++;
        return { k: 'bytes', v: t.value as Uint8Array, pos: t.pos };
      case 'kw':
        if (t.text === 'true' || t.text === 'false') {
          this.i++;
          return { k: 'bool', v: t.text === 'true', pos: t.pos };
        }
        if (t.text === 'nil') {
          this.i++;
          return { k: 'nil', pos: t.pos };
        }
        return this.err('a value');
      case 'punct':
        if (t.text === '(') {
          this.enter(t);
          this.i++;
          const x = this.or();
          this.expect('punct', ')');
          this.depth--;
          return { k: 'paren', x, pos: t.pos };
        }
        if (t.text === '[') return this.list();
        if (t.text === '{') return this.map();
        return this.err('a value');
      case 'ident': {
        const next = this.peek();
        if (next.type === 'punct' && next.text === '(') return this.call();
        if (/^[a-z]/.test(t.text)) return this.path();
        this.i++;
        return { k: 'ident', name: t.text, pos: t.pos };
      }
      default:
        return this.err('a value');
    }
  }

  private list(): Expr {
    const open = this.t;
    this.enter(open);
    this.i++;
    const items: Expr[] = [];
    if (!this.is('punct', ']')) {
      for (;;) {
        items.push(this.or());
        if (this.is('punct', ',')) {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expect('punct', ']', '"," or "]"');
    this.depth--;
    return { k: 'list', items, pos: open.pos };
  }

  private map(): Expr {
    const open = this.t;
    this.enter(open);
    this.i++;
    const entries: { key: string; value: Expr; pos: number }[] = [];
    while (!this.is('punct', '}')) {
      const kt = this.t;
      if (kt.type !== 'string') this.err('a string map key or "}"');
      this.i++;
      this.expect('punct', ':');
      entries.push({ key: kt.value as string, value: this.or(), pos: kt.pos });
      if (this.is('punct', ',')) this.i++;
      else if (!this.is('punct', '}')) this.err('"," or "}"');
    }
    this.i++;
    this.depth--;
    return { k: 'map', entries, pos: open.pos };
  }

  private call(): CallExpr {
    const nameTok = this.t;
    this.enter(nameTok);
    this.i += 2; // name and "("
    const args: Arg[] = [];
    let named = false;
    if (!this.is('punct', ')')) {
      for (;;) {
        const at = this.t;
        let name: string | undefined;
        if (at.type === 'ident' && this.peek().type === 'punct' && this.peek().text === '=') {
          name = at.text;
          this.i += 2;
          named = true;
        } else if (named) {
          throw new OttlSyntaxError(at.pos + 1, 'positional arguments must come before named arguments');
        }
        args.push({ name, value: this.or(), pos: at.pos });
        if (this.is('punct', ',')) {
          this.i++;
          continue;
        }
        break;
      }
    }
    this.expect('punct', ')', '"," or ")"');
    this.depth--;
    const keys = this.keys();
    return { k: 'call', name: nameTok.text, args, keys, pos: nameTok.pos };
  }

  private keys(): Expr[] {
    const keys: Expr[] = [];
    while (this.is('punct', '[')) {
      const open = this.t;
      this.enter(open);
      this.i++;
      if (this.is('punct', ']')) this.err('a key (a string, an int, a path or a converter)');
      const key = this.or();
      checkKey(key);
      this.expect('punct', ']');
      this.depth--;
      keys.push(key);
    }
    return keys;
  }

  private path(): Expr {
    const first = this.t;
    const segs: PathSegment[] = [];
    for (;;) {
      const t = this.t;
      if (t.type !== 'ident' || !/^[a-z]/.test(t.text)) this.err('a lower-case path segment');
      this.i++;
      segs.push({ name: t.text, keys: this.keys(), pos: t.pos });
      if (this.is('punct', '.')) {
        this.i++;
        continue;
      }
      break;
    }
    const last = this.toks[this.i - 1];
    return { k: 'path', segs, pos: first.pos, end: last.pos + last.text.length };
  }
}

const col = (e: Expr) => e.pos + 1;

/** A where-clause or condition: boolean logic over comparisons, true/false and converters. */
function checkBool(e: Expr): void {
  switch (e.k) {
    case 'or':
    case 'and':
      for (const x of e.items) checkBool(x);
      return;
    case 'not':
    case 'paren':
      checkBool(e.x);
      return;
    case 'cmp':
      checkValue(e.l);
      checkValue(e.r);
      return;
    case 'bool':
      return;
    case 'call':
      checkCall(e);
      return;
    default:
      throw new OttlSyntaxError(
        col(e),
        'expected a condition (a comparison, true, false or a converter returning a bool)',
      );
  }
}

/** A value: no boolean operators or comparisons inside (the collector's `value` rule). */
function checkValue(e: Expr): void {
  switch (e.k) {
    case 'or':
    case 'and':
    case 'not':
      throw new OttlSyntaxError(col(e), `unexpected boolean expression where a value is expected`);
    case 'cmp':
      throw new OttlSyntaxError(col(e), `unexpected comparison where a value is expected`);
    case 'paren':
      checkMath(e.x);
      return;
    case 'math':
      checkMath(e.l);
      checkMath(e.r);
      return;
    case 'call':
      checkCall(e);
      return;
    case 'list':
      for (const x of e.items) checkValue(x);
      return;
    case 'map':
      for (const x of e.entries) checkValue(x.value);
      return;
    default:
      return; // literals, paths (their keys were checked), identifiers
  }
}

function checkMath(e: Expr): void {
  switch (e.k) {
    case 'math':
      checkMath(e.l);
      checkMath(e.r);
      return;
    case 'paren':
      checkMath(e.x);
      return;
    case 'int':
    case 'float':
    case 'path':
    case 'ident':
      return;
    case 'call':
      checkCall(e);
      return;
    default:
      checkValue(e);
      throw new OttlSyntaxError(
        col(e),
        'invalid math operand: only ints, floats, paths, enums and converters can be used with + - * / and ()',
      );
  }
}

function checkCall(e: CallExpr): void {
  if (!/^[A-Z]/.test(e.name))
    throw new OttlSyntaxError(
      col(e),
      `converter names must start with an uppercase letter but got '${e.name}'`,
    );
  for (const a of e.args) checkValue(a.value);
}

function checkKey(e: Expr): void {
  if (e.k === 'str' || e.k === 'int' || e.k === 'path') return;
  if (e.k === 'call') {
    checkCall(e);
    return;
  }
  throw new OttlSyntaxError(col(e), 'a key must be a string, an int, a path or a converter');
}

export function parseStatement(text: string): ParsedStatement {
  return new Parser(tokenize(text)).statement(text);
}

export function parseCondition(text: string): ParsedCondition {
  return new Parser(tokenize(text)).condition(text);
}

/** A standalone value expression (used by tests and by components that take one OTTL value). */
export function parseValue(text: string): Expr {
  return new Parser(tokenize(text)).value();
}
