// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Go template references (${1}) are what these tests are about
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { goExpand } from '../../../src/regexp/expand.js';
import { goRegExpAnchored } from '../../../src/regexp/go.js';
import { relabelSchema } from './config.js';

const compileAnchored = (p: string) => goRegExpAnchored(p, 's');

import { relabel } from './relabel.js';

const rules = (r: unknown[]) => z.array(relabelSchema).parse(r);
const apply = (labels: Record<string, string>, r: unknown[]) => {
  const m = new Map(Object.entries(labels));
  return relabel(m, rules(r)) ? Object.fromEntries([...m].sort()) : null;
};
const issues = (r: unknown) => {
  const res = relabelSchema.safeParse(r);
  return res.success ? [] : res.error.issues.map((i) => i.message);
};

describe('relabel actions (Prometheus model/relabel semantics)', () => {
  it('replace: default regex (.*), replacement $1, separator ;', () => {
    expect(apply({ a: 'x', b: 'y' }, [{ source_labels: ['a', 'b'], target_label: 'c' }])).toEqual({
      a: 'x',
      b: 'y',
      c: 'x;y',
    });
  });

  it('replace: no match changes nothing; an empty result deletes the target label', () => {
    expect(apply({ a: 'x', c: 'old' }, [{ source_labels: ['a'], regex: 'y', target_label: 'c' }])).toEqual({
      a: 'x',
      c: 'old',
    });
    expect(
      apply({ a: 'x', c: 'old' }, [{ source_labels: ['a'], regex: 'x', target_label: 'c', replacement: '' }]),
    ).toEqual({ a: 'x' });
  });

  it('replace: the regex is anchored at both ends', () => {
    expect(
      apply({ a: 'xx' }, [{ source_labels: ['a'], regex: 'x', target_label: 'b', replacement: 'hit' }]),
    ).toEqual({ a: 'xx' });
  });

  it('replace: Go expansion — ${1}_${2} works, $1_$2 names group "1_" and yields only $2', () => {
    const r = (replacement: string) =>
      apply({ a: 'foo-bar' }, [
        { source_labels: ['a'], regex: '(\\w+)-(\\w+)', target_label: 'b', replacement },
      ]);
    expect(r('${1}_${2}')).toEqual({ a: 'foo-bar', b: 'foo_bar' });
    expect(r('$1_$2')).toEqual({ a: 'foo-bar', b: 'bar' });
    expect(r('$$1')).toEqual({ a: 'foo-bar', b: '$1' });
  });

  it('replace: target_label with a reference; an invalid expanded name deletes the target label', () => {
    expect(
      apply({ __meta_x: 'team' }, [{ source_labels: ['__meta_x'], regex: '(.+)', target_label: 'owner_$1' }]),
    ).toEqual({ __meta_x: 'team', owner_team: 'team' });
    expect(
      apply({ a: '1bad', '${1}': 'kept' }, [{ source_labels: ['a'], regex: '(.+)', target_label: '${1}' }]),
    ).toEqual({ a: '1bad' });
  });

  it('keep / drop', () => {
    expect(apply({ a: 'x' }, [{ source_labels: ['a'], regex: 'x', action: 'keep' }])).toEqual({ a: 'x' });
    expect(apply({ a: 'x' }, [{ source_labels: ['a'], regex: 'y', action: 'keep' }])).toBeNull();
    expect(apply({ a: 'x' }, [{ source_labels: ['a'], regex: 'x', action: 'drop' }])).toBeNull();
    // a missing label is the empty string
    expect(apply({}, [{ source_labels: ['a'], regex: '', action: 'keep' }])).toEqual({});
  });

  it('keepequal / dropequal compare the source with the target label', () => {
    expect(
      apply({ a: '1', b: '1' }, [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }]),
    ).not.toBeNull();
    expect(
      apply({ a: '1', b: '2' }, [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }]),
    ).toBeNull();
    expect(
      apply({ a: '1', b: '1' }, [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }]),
    ).toBeNull();
  });

  it('hashmod: the last 8 bytes of MD5 modulo the modulus', () => {
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; 0xedef654fccc4a4d8 % 10 = 6
    expect(
      apply({ a: 'foo' }, [{ source_labels: ['a'], target_label: 'h', modulus: 10, action: 'hashmod' }])?.h,
    ).toBe(String(0xedef654fccc4a4d8n % 10n));
  });

  it('labelmap copies matching names (in label order, the later one wins)', () => {
    expect(
      apply({ __meta_kubernetes_pod_label_app: 'web', __meta_kubernetes_pod_label_tier: 'fe' }, [
        { regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' },
      ]),
    ).toEqual({
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_label_tier: 'fe',
      app: 'web',
      tier: 'fe',
    });
    expect(apply({ a_x: '1', b_x: '2' }, [{ regex: '[ab]_(x)', action: 'labelmap' }])).toEqual({
      a_x: '1',
      b_x: '2',
      x: '2',
    });
  });

  it('labeldrop / labelkeep', () => {
    expect(apply({ a: '1', ab: '2', c: '3' }, [{ regex: 'a.*', action: 'labeldrop' }])).toEqual({ c: '3' });
    expect(apply({ a: '1', ab: '2', c: '3' }, [{ regex: 'a.*', action: 'labelkeep' }])).toEqual({
      a: '1',
      ab: '2',
    });
  });

  it('lowercase / uppercase; the action name is case-insensitive', () => {
    expect(apply({ a: 'MiXed' }, [{ source_labels: ['a'], target_label: 'l', action: 'LowerCase' }])?.l).toBe(
      'mixed',
    );
    expect(apply({ a: 'MiXed' }, [{ source_labels: ['a'], target_label: 'u', action: 'uppercase' }])?.u).toBe(
      'MIXED',
    );
  });

  it('YAML scalars that are not strings are read as their text (regex: true)', () => {
    expect(apply({ a: 'true' }, [{ source_labels: ['a'], regex: true, action: 'keep' }])).not.toBeNull();
  });
});

describe('relabel config checks (Prometheus messages)', () => {
  it('rejects what Prometheus rejects', () => {
    expect(issues({ action: 'hashmod', target_label: 'x' })).toEqual([
      'relabel configuration for hashmod requires non-zero modulus',
    ]);
    expect(issues({ action: 'replace' })).toEqual([
      "relabel configuration for replace action requires 'target_label' value",
    ]);
    expect(issues({ action: 'replace', target_label: '1x' })).toEqual([
      '"1x" is invalid \'target_label\' for replace action',
    ]);
    expect(issues({ action: 'lowercase', target_label: 'x', replacement: 'y' })).toEqual([
      "'replacement' can not be set for lowercase action",
    ]);
    expect(issues({ action: 'labeldrop', regex: 'x', source_labels: ['a'] })).toEqual([
      "labeldrop action requires only 'regex', and no other fields",
    ]);
    expect(issues({ action: 'keepequal', target_label: 'x', regex: 'y' })).toEqual([
      "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
    ]);
    expect(issues({ action: 'explode' })[0]).toMatch(/unknown relabel action "explode"/);
    expect(issues({ action: 'keep', regex: '(' })[0]).toMatch(/error parsing regexp/);
    expect(issues({ action: 'keep', regex: 'a(?=b)' })[0]).toMatch(/look-ahead/);
    expect(issues({ source_labels: ['bad-name'], target_label: 'x' })[0]).toMatch(/not a valid label name/);
    expect(issues({ action: 'keep', regex: 'x', bogus: 1 })[0]).toMatch(/bogus/);
  });
});

describe('RE2 translation', () => {
  it('named groups, leading flags, POSIX classes, \\Q..\\E', () => {
    const m = compileAnchored('(?P<first>[[:alpha:]]+)-(?P<rest>.*)').exec('abc-def');
    expect(m?.groups).toEqual({ first: 'abc', rest: 'def' });
    expect(goExpand('${rest}.$first', m as RegExpExecArray)).toBe('def.abc');
    expect(compileAnchored('(?i)abc').test('ABC')).toBe(true);
    expect(compileAnchored('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileAnchored('\\Qa.b\\E').test('axb')).toBe(false);
    expect(compileAnchored('a.b').test('a\nb')).toBe(true); // (?s): dot matches newline
  });

  it('rejects backreferences and look-around as RE2 does', () => {
    expect(() => compileAnchored('(a)\\1')).toThrow(/invalid escape/);
    expect(() => compileAnchored('(?<!a)b')).toThrow(/look-behind/);
  });
});
