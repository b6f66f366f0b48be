// Seeded, bounded fuzzing of the OTTL parser and compiler: random strings and
// mutations of valid statements must give an OttlConfigError (or compile),
// never another exception, a crash or a hang.
import { describe, expect, it } from 'vitest';
import { compileConditions, compileGroup, OttlConfigError, SIGNAL_CONTEXTS } from './index.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  'set(log.attributes["a"], Concat([log.body, "x"], "-")) where log.severity_number >= SEVERITY_NUMBER_WARN',
  'replace_pattern(log.attributes["cmd"], "password=[^\\\\s]*", "password=***")',
  'merge_maps(log.cache, ParseJSON(log.body), "upsert") where IsMatch(log.body, "^\\\\{")',
  'set(log.attributes["n"], (1 + 2) * 3 - Int(log.attributes["x"])) where not (log.body == nil or false)',
  'keep_keys(resource.attributes, ["a", "b"])',
  'set(log.attributes["m"], {"a": [1, 2.5, true, nil, 0x01], "b": {"c": "d"}})',
  'flatten(log.attributes, prefix = "p", depth = 2)',
];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .,()[]{}"\\=!<>+-*/:x\n\t';
const PIECES = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"',
  ',',
  '.',
  ' where ',
  ' and ',
  ' or ',
  ' not ',
  '==',
  '+',
  '0x',
  '-',
  'nil',
  'log.',
  'Concat(',
  '\\',
];

function attempt(text: string): void {
  try {
    compileGroup({ statements: [text], errorMode: 'ignore' }, SIGNAL_CONTEXTS.logs);
  } catch (err) {
    if (!(err instanceof OttlConfigError))
      throw new Error(`non-config error for ${JSON.stringify(text)}: ${err}`);
  }
  try {
    compileConditions([text], { allowed: SIGNAL_CONTEXTS.logs, errorMode: 'ignore' });
  } catch (err) {
    if (!(err instanceof OttlConfigError))
      throw new Error(`non-config error for condition ${JSON.stringify(text)}: ${err}`);
  }
}

describe('OTTL parser fuzz', () => {
  it('random strings only ever give config errors', () => {
    const r = rng(0x07717);
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(r() * 60);
      let s = '';
      for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
      expect(() => attempt(s)).not.toThrow();
    }
  });

  it('mutated valid statements only ever give config errors', () => {
    const r = rng(42);
    for (let i = 0; i < 3000; i++) {
      let s = VALID[i % VALID.length];
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * (s.length + 1));
        const op = r();
        if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 3));
        else if (op < 0.8) s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + s.slice(at);
        else s = s.slice(0, at) + s.slice(at).split('').reverse().join('');
      }
      expect(() => attempt(s)).not.toThrow();
    }
  });

  it('deep nesting is bounded, not a stack overflow', () => {
    for (const open of ['(', '[', '{"a":', 'Int(']) {
      const s = `set(log.body, ${open.repeat(5000)}1)`;
      expect(() => attempt(s)).not.toThrow();
    }
  });
});
