// The subset of the expr language (expr-lang) that stanza `if`, `router` and
// `filter` use in practice. Supported: fields (body, body.x, attributes.x,
// attributes["x.y"], resource[...]), string/number/bool/nil literals,
// == != < <= > >=, `matches "re"`, `contains`, `startsWith`, `endsWith`,
// and/&&, or/||, not/!, parentheses. Compiled once into closures.
import { goRegExp } from '../regexp/go.js';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
import { getField, parseField } from './field.js';

export type Expr = (e: Entry) => unknown;

type Tok = { t: 'id' | 'str' | 'num' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[j + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new EntryError(`unterminated string in expression: ${src}`);
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      // identifiers may carry a field path: attributes["a.b"].c
      let j = i;
      while (j < src.length) {
        if (/[A-Za-z0-9_$.]/.test(src[j])) j++;
        else if (src[j] === '[') {
          const q = src[j + 1];
          const end = src.indexOf(`${q}]`, j + 2);
          if (end < 0) throw new EntryError(`bad index in expression: ${src}`);
          j = end + 2;
        } else break;
      }
      out.push({ t: 'id', v: src.slice(i, j) });
      i = j;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('()<>!'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new EntryError(`unexpected "${c}" in expression: ${src}`);
    }
  }
  return out;
}

export function compileExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => peek() && (peek().t === 'op' || peek().t === 'id') && peek().v === v;

  function primary(): Expr {
    const t = toks[p++];
    if (!t) throw new EntryError(`unexpected end of expression: ${src}`);
    if (t.t === 'op' && t.v === '(') {
      const e = or();
      if (!isOp(')')) throw new EntryError(`missing ) in expression: ${src}`);
      p++;
      return e;
    }
    if (t.t === 'str') return () => t.v;
    if (t.t === 'num') {
      const n = Number(t.v);
      return () => n;
    }
    if (t.t === 'id') {
      if (t.v === 'true') return () => true;
      if (t.v === 'false') return () => false;
      if (t.v === 'nil' || t.v === 'null') return () => undefined;
      const f = parseField(t.v);
      return (e) => getField(e, f);
    }
    throw new EntryError(`unexpected "${t.v}" in expression: ${src}`);
  }

  function cmp(): Expr {
    const l = primary();
    const t = peek();
    if (!t || (t.t !== 'op' && t.t !== 'id')) return l;
    const op = t.v;
    if (op === 'matches') {
      p++;
      const r = toks[p++];
      if (r?.t !== 'str') throw new EntryError(`matches needs a string literal: ${src}`);
      const re = goRegExp(r.v);
      return (e) => {
        const v = l(e);
        return typeof v === 'string' && re.test(v);
      };
    }
    if (['contains', 'startsWith', 'endsWith'].includes(op)) {
      p++;
      const r = primary();
      return (e) => {
        const a = l(e);
        const b = r(e);
        if (typeof a !== 'string' || typeof b !== 'string') return false;
        return op === 'contains' ? a.includes(b) : op === 'startsWith' ? a.startsWith(b) : a.endsWith(b);
      };
    }
    if (['==', '!=', '<', '<=', '>', '>='].includes(op) && t.t === 'op') {
      p++;
      const r = primary();
      switch (op) {
        case '==':
          return (e) => eq(l(e), r(e));
        case '!=':
          return (e) => !eq(l(e), r(e));
        case '<':
          return (e) => (l(e) as number) < (r(e) as number);
        case '<=':
          return (e) => (l(e) as number) <= (r(e) as number);
        case '>':
          return (e) => (l(e) as number) > (r(e) as number);
        default:
          return (e) => (l(e) as number) >= (r(e) as number);
      }
    }
    return l;
  }

  function not(): Expr {
    if (isOp('!') || isOp('not')) {
      p++;
      const e = not();
      return (x) => !e(x);
    }
    return cmp();
  }
  function and(): Expr {
    let l = not();
    while (isOp('&&') || isOp('and')) {
      p++;
      const a = l;
      const b = not();
      l = (e) => !!a(e) && !!b(e);
    }
    return l;
  }
  function or(): Expr {
    let l = and();
    while (isOp('||') || isOp('or')) {
      p++;
      const a = l;
      const b = and();
      l = (e) => !!a(e) || !!b(e);
    }
    return l;
  }
  const e = or();
  if (p !== toks.length) throw new EntryError(`unexpected "${toks[p].v}" in expression: ${src}`);
  return e;
}

function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null)
    return (a ?? undefined) === (b ?? undefined);
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}
