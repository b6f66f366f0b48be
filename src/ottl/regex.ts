// Go RE2 patterns in JavaScript. OTTL patterns are written for Go's regexp:
// named groups `(?P<name>…)` whose names may contain dots, leading flag groups
// such as `(?i)`, `$1`/`${name}` templates. Named groups become plain
// capturing groups (JS group names must be identifiers) with the names kept
// beside them, so numbering stays the same as in Go. Compiled once, at config
// time.

export interface GoRegex {
  re: RegExp;
  /** Group names by group number (index 0 is the whole match). */
  names: (string | undefined)[];
}

export function compileGoRegex(pattern: string, global = false): GoRegex {
  let src = pattern;
  let flags = global ? 'g' : '';
  // leading flag groups: (?i) (?s) (?m) (?is) ...
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(src);
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'U') throw new Error(`unsupported flag U in regex ${JSON.stringify(pattern)}`);
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(m[0].length);
  }
  const names: (string | undefined)[] = [undefined];
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === 'z' && !inClass) out += '$(?![\\s\\S])';
      else if (next === 'A' && !inClass) out += '^';
      else out += ch + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (ch === '(') {
      if (src[i + 1] !== '?') {
        names.push(undefined);
        out += '(';
        continue;
      }
      const named = /^\(\?P?<([^>=!][^>]*)>/.exec(src.slice(i));
      if (named) {
        names.push(named[1]);
        out += '(';
        i += named[0].length - 1;
        continue;
      }
      const inline = /^\(\?([imsU-]+)([:)])/.exec(src.slice(i));
      if (inline && inline[2] === ':' && /^[ims]+$/.test(inline[1])) {
        // (?i:...) scoped flags: supported natively only by newer engines; try as is
        out += inline[0];
        i += inline[0].length - 1;
        continue;
      }
      if (inline && inline[2] === ')')
        throw new Error(`flags in the middle of a pattern are not supported: ${JSON.stringify(pattern)}`);
    }
    out += ch;
  }
  return { re: new RegExp(out, flags), names };
}

/** A message when the pattern does not compile (config validation), else undefined. */
export function goRegexError(pattern: string): string | undefined {
  try {
    compileGoRegex(pattern);
    return undefined;
  } catch (err) {
    return `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`;
  }
}

/**
 * Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$` for a literal `$`.
 * A reference to a group that does not exist or did not match expands to "".
 */
export function expandTemplate(template: string, m: RegExpExecArray, names: (string | undefined)[]): string {
  if (!template.includes('$')) return template;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) {
        out += ch;
        continue;
      }
      name = template.slice(i + 2, close);
      end = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += ch;
        continue;
      }
      name = mm[0];
      end = i + mm[0].length;
    }
    let idx = /^\d+$/.test(name) ? Number(name) : names.indexOf(name);
    if (idx < 0 || idx >= m.length) idx = -1;
    out += idx >= 0 ? (m[idx] ?? '') : '';
    i = end;
  }
  return out;
}

/** A glob (`*`, `?`, `[...]`, `{a,b}`) as an anchored RegExp, as the collector's replace_match uses. */
export function compileGlob(pattern: string): RegExp {
  let out = '^';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    switch (ch) {
      case '*':
        out += '[\\s\\S]*';
        break;
      case '?':
        out += '[\\s\\S]';
        break;
      case '[': {
        const close = pattern.indexOf(']', i + 2);
        if (close < 0) throw new Error(`unterminated character class in glob ${JSON.stringify(pattern)}`);
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
        break;
      }
      case '{':
        braces++;
        out += '(?:';
        break;
      case '}':
        if (braces === 0) out += '\\}';
        else {
          braces--;
          out += ')';
        }
        break;
      case ',':
        out += braces > 0 ? '|' : ',';
        break;
      case '\\':
        i++;
        out += (pattern[i] ?? '\\').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        break;
      default:
        out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  if (braces > 0) throw new Error(`unterminated {} in glob ${JSON.stringify(pattern)}`);
  return new RegExp(`${out}$`);
}
