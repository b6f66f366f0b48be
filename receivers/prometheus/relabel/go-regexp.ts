// Relabel regexes are Go RE2, fully anchored (Prometheus compiles
// `^(?s:<regex>)$`), and replacements use Go's Regexp.Expand. This module
// translates the RE2 syntax that differs from JavaScript and rejects what RE2
// itself rejects (look-around, backreferences), so a config Prometheus refuses
// is refused here too, and one it accepts matches the same strings.

const POSIX_CLASSES: Record<string, string> = {
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

export class GoRegexpError extends Error {}

/** Translates RE2 syntax to a JS source string and the flags its leading `(?flags)` asks for. */
export function translateRe2(pattern: string): { source: string; flags: string } {
  let flags = '';
  let p = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    if (lead[1].includes('U')) throw new GoRegexpError('the ungreedy flag (?U) is not supported');
    if (lead[1].includes('i')) flags += 'i';
    if (lead[1].includes('m')) flags += 'm';
    p = p.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new GoRegexpError('trailing backslash at end of expression');
      if (!inClass && n >= '1' && n <= '9') throw new GoRegexpError(`invalid escape sequence: \\${n}`);
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end < 0 ? p.length : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      if (n === 'z') out += '$(?![\\s\\S])';
      else if (n === 'A') out += '^';
      else if (n === 'p' || n === 'P') throw new GoRegexpError('Unicode classes (\\p) are not supported');
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        const name = end < 0 ? '' : p.slice(i + 2, end);
        const neg = name.startsWith('^');
        const cls = POSIX_CLASSES[neg ? name.slice(1) : name];
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
      // a ']' right after '[' or '[^' is a literal in RE2
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
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':') || rest.startsWith('<')) {
        if (rest.startsWith('<=') || rest.startsWith('<!'))
          throw new GoRegexpError('invalid or unsupported Perl syntax: look-behind');
        out += '(?';
        i += 1;
        continue;
      }
      if (rest.startsWith('=') || rest.startsWith('!'))
        throw new GoRegexpError('invalid or unsupported Perl syntax: look-ahead');
      throw new GoRegexpError(`flags inside the expression are not supported: (?${rest.slice(0, 3)}`);
    }
    out += c;
  }
  return { source: out, flags };
}

/** Compiles a relabel regex the way Prometheus does: anchored at both ends, `.` matching newlines. */
export function compileAnchored(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  try {
    return new RegExp(`^(?:${source})$`, `s${flags}`);
  } catch (err) {
    throw new GoRegexpError((err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. A name is the
 * longest run of letters, digits and `_` (so `$1_$2` asks for group "1_", which
 * does not exist, and expands to ""); a malformed `$` is copied.
 */
export function goExpand(template: string, match: RegExpExecArray): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) break;
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    let j = brace ? i + 1 : i;
    const start = j;
    while (j < template.length) {
      const cp = template.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!NAME_CHAR.test(ch)) break;
      j += ch.length;
    }
    const name = template.slice(start, j);
    if (name === '' || (brace && template[j] !== '}')) {
      out += '$';
      continue;
    }
    i = brace ? j + 1 : j;
    out += groupValue(name, match);
  }
  return out + template.slice(i);
}

function groupValue(name: string, match: RegExpExecArray): string {
  if (/^\d+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length <= 8)
    return match[Number(name)] ?? '';
  if (/^\d/.test(name) && /^\d+$/.test(name)) return ''; // leading zero: a name, never a group
  return match.groups?.[name] ?? '';
}

/** A Go regexp used with MatchString (unanchored), e.g. start_time_metric_regex. */
export function compileGoRegexp(pattern: string): RegExp {
  const { source, flags } = translateRe2(pattern);
  try {
    return new RegExp(source, `s${flags}`);
  } catch (err) {
    throw new GoRegexpError((err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}
