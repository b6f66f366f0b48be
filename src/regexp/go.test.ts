import { describe, expect, it } from 'vitest';
import { goExpand, goReplaceAll } from './expand.js';
import { compileGoRegex, goRegExp, goRegExpAnchored, regexpError } from './go.js';

describe('Go (RE2) regexps in JavaScript', () => {
  it('translates the RE2 syntax that differs', () => {
    // named groups, both spellings
    expect(goRegExp('(?P<k>\\w+)=(?<v>\\w+)').exec('a=1')?.groups).toEqual({ k: 'a', v: '1' });
    // leading flag groups become flags
    expect(goRegExp('(?i)hello').test('HeLLo')).toBe(true);
    expect(goRegExp('(?s)a.b').test('a\nb')).toBe(true);
    expect(goRegExp('a.b').test('a\nb')).toBe(false);
    expect(goRegExp('(?m)^b$').test('a\nb\nc')).toBe(true);
    // \A and \z: start and end of the text, also in multi-line mode
    expect(goRegExp('(?m)\\Ab').test('a\nb')).toBe(false);
    expect(goRegExp('a\\z').test('a\n')).toBe(false);
    expect(goRegExp('a$').test('a')).toBe(true);
    // \Q...\E literal text
    expect(goRegExpAnchored('\\Qa.b*\\E').test('a.b*')).toBe(true);
    expect(goRegExpAnchored('\\Qa.b*\\E').test('axbb')).toBe(false);
    // POSIX classes, a ] first in a class
    expect(goRegExpAnchored('[[:alpha:]]+[[:digit:]]').test('abc1')).toBe(true);
    expect(goRegExpAnchored('[]a]+').test(']a]')).toBe(true);
    expect(goRegExpAnchored('[^]a]').test('b')).toBe(true);
    // octal and \x{...} character codes
    expect(goRegExp('a\\012b').test('a\nb')).toBe(true);
    expect(goRegExp('\\x{41}').test('A')).toBe(true);
    // RE2's \s is ASCII: no vertical tab, no no-break space
    expect(goRegExp('^\\s$').test('\v')).toBe(false);
    expect(goRegExp('^\\s$').test('\u00a0')).toBe(false);
    expect(goRegExp('^[\\s]$').test('\t')).toBe(true);
    expect(goRegExp('^\\S$').test('\u00a0')).toBe(true);
    expect(goRegExp('^\\S$').test(' ')).toBe(false);
    // [\s\S] is still any character
    for (const ch of ['\v', '\u00a0', '\n', 'x', ' ']) expect(goRegExp('^[\\s\\S]$').test(ch), ch).toBe(true);
    expect(goRegExp('^[^\\S]$').test('\t')).toBe(true);
    expect(goRegExp('^[^\\S]$').test('\v')).toBe(false);
  });

  it('anchors after translation, so a leading flag group still counts', () => {
    expect(goRegExpAnchored('(?i)abc').test('xABC')).toBe(false);
    expect(goRegExpAnchored('(?i)abc').test('ABC')).toBe(true);
    expect(goRegExpAnchored('a|b').test('b')).toBe(true);
  });

  it('refuses what RE2 refuses, naming the construct', () => {
    const cases: [string, RegExp][] = [
      ['(a)\\1', /invalid escape sequence: \\1 \(backreferences are not supported in RE2\)/],
      ['[\\9]', /invalid escape sequence: \\9/],
      ['a(?=b)', /invalid or unsupported Perl syntax: \(\?= \(look-ahead\)/],
      ['a(?!b)', /\(\?! \(look-ahead\)/],
      ['(?<=a)b', /\(\?<= \(look-behind\)/],
      ['(?<!a)b', /\(\?<! \(look-behind\)/],
      ['(?>a)', /invalid or unsupported Perl syntax: \(\?>/],
      ['(?P<a.b>x)', /invalid named capture: \(\?P<a\.b>/],
      ['(?P<a>x)(?P<a>y)', /duplicate capture group name: a/],
      ['\\C', /\\C/],
    ];
    for (const [p, want] of cases) expect(regexpError(p), p).toMatch(want);
  });

  it('refuses what JavaScript cannot express instead of matching differently', () => {
    expect(regexpError('(?U)a+')).toMatch(/ungreedy/);
    expect(regexpError('a(?i)b')).toMatch(/flags inside the expression are not supported, only at its start/);
    expect(regexpError('a(?i:b)')).toMatch(/flags inside the expression/);
    expect(regexpError('\\p{Greek}')).toMatch(/Unicode classes/);
    expect(regexpError('[[:^alpha:]]')).toMatch(/negated POSIX classes/);
    expect(regexpError('[[:nope:]]')).toMatch(/invalid character class range/);
    expect(regexpError('(a')).toMatch(/^invalid regexp "\(a": .*"\(a"$/);
    expect(regexpError('a\\')).toMatch(/trailing backslash/);
    expect(regexpError('(?P<ok>x)')).toBeUndefined();
  });

  it('keeps Go group names by number, also names JavaScript cannot use', () => {
    const { re, names } = compileGoRegex('(a)(?P<first>b)(?:c)(?P<2x>d)');
    expect(names).toEqual([undefined, undefined, 'first', '2x']);
    const m = re.exec('abcd') as RegExpExecArray;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, not JavaScript's
    expect(goExpand('$first-${2x}-$1', m, names)).toBe('b-d-a');
  });
});

describe("Go's Expand and ReplaceAllString", () => {
  it('expands numbers and names, the longest name, $$, malformed $', () => {
    const m = goRegExp('(?P<k>\\w)(\\d)').exec('a1') as RegExpExecArray;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, not JavaScript's
    expect(goExpand('${k}:$2 $$ $k1 $ ${', m)).toBe('a:1 $  $ ${');
    expect(goExpand('$9', m)).toBe('');
  });
  it('skips an empty match right after a match, as Go does', () => {
    expect(goReplaceAll(goRegExp('a*'), 'baaac', '-')).toBe('-b-c-');
    expect(goReplaceAll(goRegExp('(\\w)=(\\w)'), 'a=1 b=2', '$2=$1')).toBe('1=a 2=b');
  });
});
