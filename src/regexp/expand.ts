// Go's Regexp.Expand and ReplaceAllString on a match of a translated Go regexp
// (go.ts): replacement templates of the prometheus relabeling, stanza's
// regex_replace and OTTL's replace_pattern.

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** The value of group `name` (a number or a Go group name); "" when it does not exist or did not match. */
function groupValue(name: string, m: RegExpExecArray, names?: (string | undefined)[]): string {
  // a number with no leading zero and at most 8 digits is a group number; anything else a name
  if (/^\d+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length <= 8)
    return m[Number(name)] ?? '';
  if (names) {
    const i = names.indexOf(name);
    return i > 0 ? (m[i] ?? '') : '';
  }
  return m.groups?.[name] ?? '';
}

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$` for `$`. A name is the longest run
 * of letters, digits and `_` (so `$1_$2` asks for group "1_", which does not exist, and expands to
 * ""); a malformed `$` is copied. `names` (from compileGoRegex) finds groups by their Go names;
 * without it the match's named groups are used.
 */
export function goExpand(template: string, m: RegExpExecArray, names?: (string | undefined)[]): string {
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
      const ch = String.fromCodePoint(template.codePointAt(j) as number);
      if (!NAME_CHAR.test(ch)) break;
      j += ch.length;
    }
    const name = template.slice(start, j);
    if (name === '' || (brace && template[j] !== '}')) {
      out += '$'; // malformed: the $ is kept as text
      continue;
    }
    i = brace ? j + 1 : j;
    out += groupValue(name, m, names);
  }
  return out + template.slice(i);
}

/**
 * Go's Regexp.ReplaceAllString: every non-overlapping match replaced by the expanded template; an
 * empty match right after a previous match is skipped (JavaScript's String.replace would replace
 * it). `expand` turns a match into its replacement (default: goExpand of `template`).
 */
export function goReplaceAll(
  re: RegExp,
  s: string,
  template: string,
  expand: (m: RegExpExecArray) => string = (m) => goExpand(template, m),
): string {
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
    out += s.slice(last, start) + expand(m);
    last = end;
    prevEnd = end;
    if (g.lastIndex > s.length) break;
  }
  return out + s.slice(last);
}
