// Glob patterns of OTTL's replace_match / replace_all_matches. Go regexps are
// translated by src/regexp/go.ts.

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
