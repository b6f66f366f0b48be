// recombine against the collector's semantics (pkg/stanza/operator/transformer/recombine):
// batch limits, force_flush_period from the first entry, sources, separators, overwrite_with.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runOperators } from '../../../test/support/stanza.js';
import { silentLogger } from '../../telemetry/logger.js';
import { type Entry, newEntry } from '../entry.js';
import { buildPipeline, operatorsSchema } from '../pipeline.js';

const bodies = (
  cfg: Record<string, unknown>,
  lines: (string | { body: string; attributes?: Record<string, unknown> })[],
) =>
  runOperators(
    [{ type: 'recombine', combine_field: 'body', ...cfg }],
    lines.map((l) => (typeof l === 'string' ? { body: l } : l)),
  ).map((e) => e.body);

const FIRST = { is_first_entry: 'body matches "^\\\\d{4}"' };

describe('recombine batch limits', () => {
  const preamble = ['a', 'b', 'c', '2024 start', 'more', '2024 next'];

  it('max_unmatched_batch_size: lines before any first line are released in batches of that size', () => {
    expect(bodies({ ...FIRST, max_unmatched_batch_size: 1 }, preamble)).toEqual([
      'a',
      'b',
      'c',
      '2024 start\nmore',
      '2024 next',
    ]);
    expect(bodies({ ...FIRST, max_unmatched_batch_size: 2 }, preamble)).toEqual([
      'a\nb',
      'c',
      '2024 start\nmore',
      '2024 next',
    ]);
    // 0 = no limit
    expect(bodies({ ...FIRST, max_unmatched_batch_size: 0 }, preamble)).toEqual([
      'a\nb\nc',
      '2024 start\nmore',
      '2024 next',
    ]);
  });

  it('max_unmatched_batch_size does not limit a batch that started with a match', () => {
    const lines = ['2024 start', ...Array.from({ length: 5 }, (_, i) => `at ${i}`)];
    expect(bodies({ ...FIRST, max_unmatched_batch_size: 2 }, lines)).toEqual([lines.join('\n')]);
  });

  it('max_unmatched_batch_size defaults to 100: a run of 250 unmatched lines comes out as 100, 100, 50', () => {
    const lines = Array.from({ length: 250 }, (_, i) => `x${i}`);
    const out = bodies({ is_last_entry: 'body == "end"' }, lines);
    expect(out.map((b) => (b as string).split('\n').length)).toEqual([100, 100, 50]);
  });

  it('max_unmatched_batch_size with is_last_entry: the matching last line ends the batch', () => {
    expect(
      bodies({ is_last_entry: 'body endsWith "."', max_unmatched_batch_size: 3 }, [
        'a',
        'b',
        'c',
        'd',
        'e.',
        'f.',
      ]),
    ).toEqual(['a\nb\nc', 'd\ne.', 'f.']);
  });

  it('max_batch_size caps every batch; 0 = no limit', () => {
    const lines = ['2024 a', 'b', 'c', 'd', 'e'];
    expect(bodies({ ...FIRST, max_batch_size: 2 }, lines)).toEqual(['2024 a\nb', 'c\nd', 'e']);
    expect(bodies({ ...FIRST, max_batch_size: 0 }, lines)).toEqual([lines.join('\n')]);
  });

  it('max_log_size: released once the combined text (with separators) exceeds it, in bytes', () => {
    // "2024 a" (6) + "\n" + "bb" (2) = 9 bytes: not over 9; + "\n" + "c" = 11: over
    expect(bodies({ ...FIRST, max_log_size: 9 }, ['2024 a', 'bb', 'c', 'd'])).toEqual(['2024 a\nbb\nc', 'd']);
    // "é" is 2 bytes in UTF-8: "2024 é" is 7 bytes, + "\n" + "é" = 10 > 9
    expect(bodies({ ...FIRST, max_log_size: 9 }, ['2024 é', 'é', 'z'])).toEqual(['2024 é\né', 'z']);
    expect(bodies({ ...FIRST, max_log_size: '1KiB' }, ['2024 a', 'b'])).toEqual(['2024 a\nb']);
  });
});

describe('recombine fields', () => {
  it('source_identifier keeps sources apart; a missing or empty source shares the default batch', () => {
    const at = (body: string, src?: string) => ({ body, attributes: src === undefined ? {} : { src } });
    expect(
      bodies({ ...FIRST, source_identifier: 'attributes.src' }, [
        at('2024 a1', 'a'),
        at('2024 b1', 'b'),
        at('a2', 'a'),
        at('b2', 'b'),
        at('2024 n1'),
        at('n2', ''),
      ]),
    ).toEqual(['2024 a1\na2', '2024 b1\nb2', '2024 n1\nn2']);
  });

  it('combine_with: any separator, none with ""; no separator after an empty first value', () => {
    expect(bodies({ ...FIRST, combine_with: ' | ' }, ['2024 a', 'b'])).toEqual(['2024 a | b']);
    expect(bodies({ is_last_entry: 'body endsWith "."', combine_with: '' }, ['a', 'b.'])).toEqual(['ab.']);
    expect(bodies({ is_last_entry: 'body endsWith "."' }, ['', 'b', 'c.'])).toEqual(['b\nc.']);
  });

  it('overwrite_with: the other fields come from the oldest (default) or newest entry', () => {
    const lines = [
      { body: '2024 a', attributes: { n: 1 } },
      { body: 'b', attributes: { n: 2 } },
    ];
    const run = (ow?: string) =>
      runOperators(
        [{ type: 'recombine', combine_field: 'body', ...FIRST, ...(ow ? { overwrite_with: ow } : {}) }],
        lines,
      );
    expect(run()[0]).toMatchObject({ body: '2024 a\nb', attributes: { n: 1 } });
    expect(run('newest')[0]).toMatchObject({ body: '2024 a\nb', attributes: { n: 2 } });
  });

  it('config errors: both or neither expression, force_flush_period 0, bad overwrite_with', () => {
    const bad = (cfg: Record<string, unknown>) => () =>
      operatorsSchema.parse([{ type: 'recombine', combine_field: 'body', ...cfg }]);
    expect(bad({})).toThrow(/exactly one of is_first_entry and is_last_entry/);
    expect(bad({ ...FIRST, is_last_entry: 'true' })).toThrow(/exactly one/);
    expect(bad({ ...FIRST, force_flush_period: '0s' })).toThrow(/force_flush_period must be positive/);
    expect(bad({ ...FIRST, overwrite_with: 'first' })).toThrow();
  });
});

describe('recombine force_flush_period', () => {
  afterEach(() => vi.useRealTimers());

  it('counts from the first entry of a batch, not the latest', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    vi.setSystemTime(t0);
    const out: Entry[] = [];
    const p = buildPipeline(
      operatorsSchema.parse([
        { type: 'recombine', combine_field: 'body', ...FIRST, force_flush_period: '5s' },
      ]),
      { logger: silentLogger(), onOperatorError: () => {} },
      (e) => out.push(e),
    );
    p.process(newEntry('2024 a', 1n));
    vi.setSystemTime(t0 + 4000);
    p.process(newEntry('b', 1n));
    p.flush(t0 + 4999, false);
    expect(out).toHaveLength(0);
    p.flush(t0 + 5000, false); // 1 s after the last entry, 5 s after the first
    expect(out.map((e) => e.body)).toEqual(['2024 a\nb']);
  });
});
