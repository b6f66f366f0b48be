// RE2 (Go regexp) syntax → a JavaScript RegExp. The common subset is the same;
// this rewrites what differs and config authors use: named groups
// `(?P<name>…)`, leading flag groups `(?i)`, `(?s)`, `(?m)` (JS has flags
// instead), `\A` / `\z`, and POSIX classes such as `[[:alpha:]]`. Anything
// JS cannot express throws (a config error, never a silent mismatch).

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

/** Compiles a Go regular expression; `extraFlags` are added to what `(?flags)` sets. */
export function goRegExp(src: string, extraFlags = ''): RegExp {
  let flags = extraFlags;
  let s = src;
  // leading (?ims) groups (possibly several) become JS flags
  for (let m = /^\(\?([imsU]+)\)/.exec(s); m; m = /^\(\?([imsU]+)\)/.exec(s)) {
    for (const f of m[1]) {
      if (f === 'U') throw new SyntaxError('the (?U) flag (ungreedy) has no JavaScript equivalent');
      if (!flags.includes(f)) flags += f;
    }
    s = s.slice(m[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) throw new SyntaxError('trailing backslash');
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && s[i + 1] === ':') {
        const end = s.indexOf(':]', i + 2);
        const name = end > 0 ? s.slice(i + 2, end) : '';
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined || neg) throw new SyntaxError(`unsupported character class [:${name}:]`);
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
      // a ] right after [ or [^ is a literal in RE2 (and must be escaped in JS)
      if (s[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (s[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && s.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && s[i + 1] === '?' && /^\(\?[imsU-]+[:)]/.test(s.slice(i)))
      throw new SyntaxError('inline flag groups are supported only at the start of the expression');
    out += c;
  }
  return new RegExp(out, flags);
}

/**
 * Go's Regexp.Expand template: `$1`, `${1}`, `$name`, `${name}` (a name is
 * the longest run of letters, digits and `_`, so `$1x` names group "1x"),
 * `$$` for `$`; an unknown group expands to nothing, a malformed `$` stays.
 */
export function goExpand(template: string, m: RegExpExecArray): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    const next = template[d + 1];
    if (next === '$') {
      out += '$';
      i = d + 2;
      continue;
    }
    let name = '';
    let end = d + 1;
    if (next === '{') {
      const close = template.indexOf('}', d + 2);
      name = close > 0 ? template.slice(d + 2, close) : '';
      if (close < 0 || !/^[\p{L}\p{Nd}_]+$/u.test(name)) name = '';
      end = close + 1;
    } else {
      const w = /^[\p{L}\p{Nd}_]+/u.exec(template.slice(d + 1));
      name = w ? w[0] : '';
      end = d + 1 + name.length;
    }
    if (name === '') {
      out += '$'; // malformed: the $ is kept as text
      i = d + 1;
      continue;
    }
    let v: string | undefined;
    if (/^[0-9]+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length <= 8)
      v = m[Number(name)];
    else v = m.groups?.[name];
    out += v ?? '';
    i = end;
  }
  return out;
}

/**
 * Go's Regexp.ReplaceAllString: every non-overlapping match replaced by the
 * expanded template; an empty match right after a previous match is skipped
 * (JavaScript's String.replace would replace it).
 */
export function goReplaceAll(re: RegExp, s: string, template: string): string {
  const g = re.global ? re : new RegExp(re.source, `${re.flags}g`);
  g.lastIndex = 0;
  let out = '';
  let last = 0;
  let prevEnd = -1;
  for (let m = g.exec(s); m; m = g.exec(s)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      // advance one code point past an empty match
      const cp = s.codePointAt(start);
      g.lastIndex = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
      if (start === prevEnd) continue;
    }
    out += s.slice(last, start) + goExpand(template, m);
    last = end;
    prevEnd = end;
    if (g.lastIndex > s.length) break;
  }
  return out + s.slice(last);
}
