// Tokenizer for OTTL statements and conditions, after the collector's lexer
// (pkg/ottl grammar): strings in double quotes with Go escapes, ints and floats
// with an optional sign, `0x…` byte slices, identifiers, operators. Every
// token carries its offset so errors can name the column.
import { OttlSyntaxError } from './errors.js';

export type TokenType =
  | 'ident'
  | 'string'
  | 'int'
  | 'float'
  | 'bytes'
  | 'kw' // and or not where true false nil
  | 'punct' // ( ) [ ] { } , . : =
  | 'cmp' // == != < <= > >=
  | 'math' // + - * /
  | 'eof';

export interface Token {
  type: TokenType;
  /** Source text of the token (for strings: with quotes). */
  text: string;
  /** 0-based offset into the statement. */
  pos: number;
  /** Decoded value: string contents, bigint, number or bytes. */
  value?: string | bigint | number | Uint8Array;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'where', 'true', 'false', 'nil']);
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);
const isHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Tokens after which a `+`/`-` is an operator, not the sign of a number. */
function endsValue(t: Token | undefined): boolean {
  if (!t) return false;
  if (t.type === 'punct') return t.text === ')' || t.text === ']' || t.text === '}';
  if (t.type === 'kw') return t.text === 'true' || t.text === 'false' || t.text === 'nil';
  return (
    t.type === 'ident' || t.type === 'string' || t.type === 'int' || t.type === 'float' || t.type === 'bytes'
  );
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    // byte slices
    if (c === 48 && (src[i + 1] === 'x' || src[i + 1] === 'X') && i + 2 < n && isHex(src.charCodeAt(i + 2))) {
      i += 2;
      while (i < n && isHex(src.charCodeAt(i))) i++;
      const hex = src.slice(start + 2, i);
      if (hex.length % 2 !== 0)
        throw new OttlSyntaxError(
          start + 1,
          `invalid byte slice ${src.slice(start, i)}: odd number of hex digits`,
        );
      out.push({
        type: 'bytes',
        text: src.slice(start, i),
        pos: start,
        value: Uint8Array.from(Buffer.from(hex, 'hex')),
      });
      continue;
    }
    // numbers (a leading sign belongs to the number unless it follows a value)
    const signed = (c === 43 || c === 45) && !endsValue(out[out.length - 1]);
    const numStart = signed ? i + 1 : i;
    const d0 = src.charCodeAt(numStart);
    if (isDigit(d0) || (d0 === 46 && isDigit(src.charCodeAt(numStart + 1)))) {
      if (signed || isDigit(c) || c === 46) {
        let j = numStart;
        while (j < n && isDigit(src.charCodeAt(j))) j++;
        if (src.charCodeAt(j) === 46 && isDigit(src.charCodeAt(j + 1))) {
          j++;
          while (j < n && isDigit(src.charCodeAt(j))) j++;
          if (src[j] === 'e' || src[j] === 'E') {
            let k = j + 1;
            if (src[k] === '+' || src[k] === '-') k++;
            if (isDigit(src.charCodeAt(k))) {
              while (k < n && isDigit(src.charCodeAt(k))) k++;
              j = k;
            }
          }
          const text = src.slice(start, j);
          out.push({ type: 'float', text, pos: start, value: Number(text) });
        } else {
          const text = src.slice(start, j);
          const v = BigInt(text);
          if (v > INT64_MAX || v < INT64_MIN)
            throw new OttlSyntaxError(start + 1, `integer ${text} is out of range for int64`);
          out.push({ type: 'int', text, pos: start, value: v });
        }
        i = j;
        continue;
      }
    }
    if (c === 34) {
      const [value, end] = readString(src, i);
      out.push({ type: 'string', text: src.slice(start, end), pos: start, value });
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(src.charCodeAt(i))) i++;
      const text = src.slice(start, i);
      out.push({ type: KEYWORDS.has(text) ? 'kw' : 'ident', text, pos: start });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      out.push({ type: 'cmp', text: two, pos: start });
      i += 2;
      continue;
    }
    const ch = src[i];
    if (ch === '<' || ch === '>') out.push({ type: 'cmp', text: ch, pos: start });
    else if (ch === '+' || ch === '-' || ch === '*' || ch === '/')
      out.push({ type: 'math', text: ch, pos: start });
    else if ('()[]{},.:='.includes(ch)) out.push({ type: 'punct', text: ch, pos: start });
    else throw new OttlSyntaxError(start + 1, `unexpected character ${JSON.stringify(ch)}`);
    i++;
  }
  out.push({ type: 'eof', text: '', pos: n });
  return out;
}

/** Reads a double-quoted string at src[at]; returns its value (Go escapes decoded) and the end offset. */
function readString(src: string, at: number): [string, number] {
  let i = at + 1;
  let out = '';
  let runStart = i;
  for (;;) {
    if (i >= src.length) throw new OttlSyntaxError(at + 1, 'unterminated string literal');
    const ch = src[i];
    if (ch === '"') {
      out += src.slice(runStart, i);
      return [out, i + 1];
    }
    if (ch !== '\\') {
      i++;
      continue;
    }
    out += src.slice(runStart, i);
    const esc = src[i + 1];
    const col = i + 1;
    switch (esc) {
      case 'n':
        out += '\n';
        i += 2;
        break;
      case 't':
        out += '\t';
        i += 2;
        break;
      case 'r':
        out += '\r';
        i += 2;
        break;
      case '"':
        out += '"';
        i += 2;
        break;
      case '\\':
        out += '\\';
        i += 2;
        break;
      case 'a':
        out += '\x07';
        i += 2;
        break;
      case 'b':
        out += '\b';
        i += 2;
        break;
      case 'f':
        out += '\f';
        i += 2;
        break;
      case 'v':
        out += '\v';
        i += 2;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const len = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
        const hex = src.slice(i + 2, i + 2 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex))
          throw new OttlSyntaxError(col, `invalid escape \\${esc}${hex} in string literal`);
        const code = Number.parseInt(hex, 16);
        if (esc === 'x') out += Buffer.from([code]).toString('latin1');
        else {
          if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            throw new OttlSyntaxError(col, `invalid Unicode code point \\${esc}${hex} in string literal`);
          out += String.fromCodePoint(code);
        }
        i += 2 + len;
        break;
      }
      default: {
        if (esc !== undefined && esc >= '0' && esc <= '7') {
          const oct = src.slice(i + 1, i + 4);
          if (!/^[0-7]{3}$/.test(oct) || Number.parseInt(oct, 8) > 255)
            throw new OttlSyntaxError(col, `invalid octal escape \\${oct} in string literal`);
          out += String.fromCharCode(Number.parseInt(oct, 8));
          i += 4;
          break;
        }
        if (esc === undefined) throw new OttlSyntaxError(at + 1, 'unterminated string literal');
        throw new OttlSyntaxError(col, `invalid escape \\${esc} in string literal`);
      }
    }
    runStart = i;
  }
}
