// Go regular expressions (RE2 syntax) as JavaScript RegExps: the one
// translator every component that takes a Go regexp from its config uses
// (stanza operators, prometheus relabeling, OTTL, filter/attributes matching,
// tail_sampling, resource detection, ...).
//
// What differs and config authors write is rewritten: named groups
// `(?P<name>…)`, leading flag groups `(?i)` `(?m)` `(?s)` (JS takes flags
// instead), `\A`, `\z`, `\Q…\E`, octal `\123`, `\x{…}`, POSIX classes
// `[[:alpha:]]`, a `]` first in a class, and RE2's ASCII `\s`. What RE2 itself
// refuses is refused here with an error naming the construct (backreferences
// `\1`, look-ahead / look-behind, `(?>`, invalid group names), so a config the
// collector refuses is refused here too; what RE2 accepts and JavaScript
// cannot express (the ungreedy flag, flags in the middle of the expression,
// Unicode classes `\p{…}`) is refused too, never matched differently.
//
// Known remaining difference: JavaScript matches UTF-16 code units, RE2
// UTF-8 runes, so `.` can match half of a character outside the BMP.

export class GoRegexpError extends SyntaxError {}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** RE2's \s: ASCII space characters only (no \v, no Unicode spaces as in JavaScript). */
const SPACE = '\\t\\n\\f\\r ';
/** RE2's \S as ranges, so it also works inside a class (`[\s\S]`: any character). */
const NOT_SPACE = '\\x00-\\x08\\x0B\\x0E-\\x1F!-\\uFFFF';

export interface GoRegexSource {
  source: string;
  flags: string;
  /** Go group names by group number (index 0, the whole match, has none). */
  names: (string | undefined)[];
}

export interface GoRegex {
  re: RegExp;
  names: (string | undefined)[];
}

/** A JavaScript code-unit escape of one code point. */
function charEscape(cp: number): string {
  if (cp > 0xffff)
    throw new GoRegexpError(`character \\x{${cp.toString(16)}} beyond U+FFFF is not supported`);
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** Translates RE2 syntax to a JavaScript source, its flags and the group names. */
export function translateGoRegexp(pattern: string): GoRegexSource {
  let flags = '';
  let p = pattern;
  // leading (?ims) groups (possibly several) become JavaScript flags
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(p); m; m = /^\(\?([a-zA-Z]+)\)/.exec(p)) {
    for (const f of m[1]) {
      if (f === 'U') throw new GoRegexpError('the ungreedy flag (?U) has no JavaScript equivalent');
      if (!'ims'.includes(f)) throw new GoRegexpError(`invalid or unsupported Perl syntax: (?${m[1]})`);
      if (!flags.includes(f)) flags += f;
    }
    p = p.slice(m[0].length);
  }
  const names: (string | undefined)[] = [undefined];
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new GoRegexpError('trailing backslash at end of expression');
      if (n >= '0' && n <= '9') {
        // RE2: \0, or \1-\7 followed by an octal digit, is an octal character code (up to 3
        // digits); a lone \1-\9 would be a backreference, which RE2 does not have
        const oct = /^[0-7]{1,3}/.exec(p.slice(i + 1))?.[0] ?? '';
        if (n !== '0' && (n > '7' || oct.length < 2))
          throw new GoRegexpError(
            `invalid escape sequence: \\${n} (backreferences are not supported in RE2)`,
          );
        out += charEscape(Number.parseInt(oct, 8));
        i += oct.length;
        continue;
      }
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end < 0 ? p.length : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      if (n === 'x' && p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        const hex = close < 0 ? '' : p.slice(i + 3, close);
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new GoRegexpError(`invalid escape sequence: \\x{${hex}`);
        out += charEscape(Number.parseInt(hex, 16));
        i = close;
        continue;
      }
      if (n === 'p' || n === 'P') throw new GoRegexpError(`Unicode classes (\\${n}) are not supported`);
      if (n === 'C') throw new GoRegexpError('invalid escape sequence: \\C (any byte)');
      if (n === 's') out += inClass ? SPACE : `[${SPACE}]`;
      else if (n === 'S') out += inClass ? NOT_SPACE : `[${NOT_SPACE}]`;
      else if (n === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (n === 'z' && !inClass) out += '(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end < 0 ? '' : p.slice(i + 2, end);
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined) throw new GoRegexpError(`invalid character class range: [:${name}:]`);
        if (neg) throw new GoRegexpError(`negated POSIX classes are not supported: [:${name}:]`);
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // a ']' right after '[' or '[^' is a literal in RE2 (and must be escaped in JS)
      if (p[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c !== '(') {
      out += c;
      continue;
    }
    if (p[i + 1] !== '?') {
      names.push(undefined);
      out += c;
      continue;
    }
    const rest = p.slice(i + 2);
    const named = /^P?<([^>]*)>/.exec(rest);
    if (named && !rest.startsWith('<=') && !rest.startsWith('<!')) {
      const name = named[1];
      // RE2: a name is letters, digits and _ (ASCII)
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegexpError(`invalid named capture: (?${named[0]}`);
      if (names.includes(name)) throw new GoRegexpError(`duplicate capture group name: ${name}`);
      names.push(name);
      // a JavaScript group name cannot start with a digit: such a group stays unnamed here and is
      // found through `names`
      out += /^[0-9]/.test(name) ? '(' : `(?<${name}>`;
      i += 1 + named[0].length;
      continue;
    }
    if (rest.startsWith(':')) {
      out += '(?:';
      i += 2;
      continue;
    }
    if (rest.startsWith('=') || rest.startsWith('!'))
      throw new GoRegexpError(`invalid or unsupported Perl syntax: (?${rest[0]} (look-ahead)`);
    if (rest.startsWith('<=') || rest.startsWith('<!'))
      throw new GoRegexpError(`invalid or unsupported Perl syntax: (?${rest.slice(0, 2)} (look-behind)`);
    const inline = /^([a-zA-Z-]*)([:)])/.exec(rest);
    if (inline && /^[imsU]*(-[imsU]*)?$/.test(inline[1]) && inline[1] !== '')
      throw new GoRegexpError(
        `flags inside the expression are not supported, only at its start: (?${inline[1]}${inline[2]}`,
      );
    throw new GoRegexpError(`invalid or unsupported Perl syntax: (?${rest.slice(0, 2)}`);
  }
  return { source: out, flags, names };
}

function compile(source: string, flags: string, pattern: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    // what the translation lets through and JavaScript still refuses (unbalanced parentheses, ...)
    throw new GoRegexpError(
      `${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')} in ${JSON.stringify(pattern)}`,
    );
  }
}

/** Compiles a Go regexp, with the group names by number. `extraFlags` are added to its own. */
export function compileGoRegex(pattern: string, extraFlags = ''): GoRegex {
  const t = translateGoRegexp(pattern);
  const flags = [...new Set(t.flags + extraFlags)].join('');
  return { re: compile(t.source, flags, pattern), names: t.names };
}

/** Compiles a Go regexp (unanchored, as MatchString / FindString use it). */
export function goRegExp(pattern: string, extraFlags = ''): RegExp {
  return compileGoRegex(pattern, extraFlags).re;
}

/**
 * Compiles a Go regexp that must match the whole string (`^(?:pattern)$`), the wrapping done
 * after translation so the pattern's own leading flags still count.
 */
export function goRegExpAnchored(pattern: string, extraFlags = ''): RegExp {
  const t = translateGoRegexp(pattern);
  const flags = [...new Set(t.flags + extraFlags)].join('');
  return compile(`^(?:${t.source})$`, flags, pattern);
}

/** The config error for a pattern that does not compile, else undefined. */
export function regexpError(pattern: string): string | undefined {
  try {
    goRegExp(pattern);
    return undefined;
  } catch (err) {
    return `invalid regexp "${pattern}": ${(err as Error).message}`;
  }
}
