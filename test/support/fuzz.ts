// A small seeded fuzzer for the decoders of untrusted input (test/fuzz/).
// Each target gets seed inputs (valid messages) and mutated variants of them:
// bit flips, byte changes, insertions, deletions, truncation, duplicated and
// spliced ranges, varint and length rewrites, structural characters for text.
// A target must return or throw one of its expected error types; anything
// else (a TypeError, a RangeError from a blown stack, a hang) fails the test
// with the seed and iteration that reproduce it:
//
//   FUZZ_SEED=<seed> FUZZ_ITERATIONS=<n> npx vitest run test/fuzz
//
// `npm test` runs a short round (FUZZ_ITERATIONS defaults to 300 per target);
// `npm run fuzz` a long one (100000 per target unless FUZZ_ITERATIONS says).

/** Iterations per target. */
export const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 300);
/** The run's seed (printed on failure); a fixed default keeps `npm test` reproducible. */
export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
/** A single input taking longer than this counts as a hang. */
const SLOW_MS = Number(process.env.FUZZ_SLOW_MS ?? 2000);

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22, 0x08, 0x10, 0x09, 0x0d];

/** A varint of `n` (up to 2^53): lengths and tags a mutation writes in. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** One random mutation of binary input. */
export function mutateBytes(r: Rand, input: Uint8Array, pool: Uint8Array[]): Uint8Array {
  const b = Array.from(input);
  const at = () => int(r, b.length + 1);
  switch (int(r, 10)) {
    case 0: // flip a bit
      if (b.length) b[int(r, b.length)] ^= 1 << int(r, 8);
      break;
    case 1: // set a byte to an interesting value
      if (b.length) b[int(r, b.length)] = INTERESTING[int(r, INTERESTING.length)];
      break;
    case 2: // random byte
      if (b.length) b[int(r, b.length)] = int(r, 256);
      break;
    case 3: // insert bytes
      b.splice(at(), 0, ...Array.from({ length: 1 + int(r, 4) }, () => int(r, 256)));
      break;
    case 4: // delete a range
      if (b.length) b.splice(int(r, b.length), 1 + int(r, 8));
      break;
    case 5: // truncate
      b.length = int(r, b.length + 1);
      break;
    case 6: {
      // duplicate a range (repeated fields, lengths now wrong)
      const from = int(r, b.length + 1);
      const to = Math.min(b.length, from + 1 + int(r, 32));
      b.splice(at(), 0, ...b.slice(from, to));
      break;
    }
    case 7: {
      // splice in part of another seed
      const other = pool[int(r, pool.length)];
      const from = int(r, other.length + 1);
      b.splice(at(), int(r, 8), ...other.slice(from, from + int(r, 64)));
      break;
    }
    case 8: {
      // a varint: huge lengths, wide tags (2^32 + N), negatives
      const values = [2 ** 32 + int(r, 16), 2 ** 35, 0x7fffffff, 2 ** 53 - 1, int(r, 300), 2 ** 28];
      b.splice(at(), int(r, 3), ...varint(values[int(r, values.length)]));
      break;
    }
    default: {
      // repeat a small chunk many times (many tiny items)
      const from = int(r, b.length + 1);
      const chunk = b.slice(from, from + 1 + int(r, 4));
      const times = 1 + int(r, 200);
      const rep: number[] = [];
      for (let i = 0; i < times; i++) rep.push(...chunk);
      b.splice(at(), 0, ...rep);
    }
  }
  return Uint8Array.from(b);
}

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ',',
  ':',
  'null',
  'true',
  '-1',
  '1e400',
  '"NaN"',
  '\\u0000',
  '\n',
  ' ',
  '-',
  '#',
  '&a',
  '*a',
  '!!binary',
  '\t',
  '%',
  'ü',
  '\ud800',
];

/** One random mutation of text input (JSON, YAML, log lines). */
export function mutateText(r: Rand, input: string, pool: string[]): string {
  const s = input;
  const at = () => int(r, s.length + 1);
  switch (int(r, 8)) {
    case 0: {
      const i = at();
      return s.slice(0, i) + TOKENS[int(r, TOKENS.length)] + s.slice(i);
    }
    case 1: {
      const i = at();
      return s.slice(0, i) + s.slice(i + 1 + int(r, 16));
    }
    case 2:
      return s.slice(0, at());
    case 3: {
      const i = at();
      const j = Math.min(s.length, i + 1 + int(r, 64));
      return s.slice(0, j) + s.slice(i, j) + s.slice(j);
    }
    case 4: {
      // numbers become extreme
      const nums = ['0', '-0', '9223372036854775808', '-9223372036854775809', '1.5', '1e19', 'NaN', '""'];
      return s.replace(/-?\d+(\.\d+)?/, nums[int(r, nums.length)]);
    }
    case 5: {
      // deep nesting
      const d = 1 + int(r, 300);
      const i = at();
      return `${s.slice(0, i)}${'['.repeat(d)}${']'.repeat(d)}${s.slice(i)}`;
    }
    case 6: {
      const other = pool[int(r, pool.length)];
      const from = int(r, other.length + 1);
      const i = at();
      return s.slice(0, i) + other.slice(from, from + int(r, 80)) + s.slice(i + int(r, 8));
    }
    default: {
      const i = at();
      const ch = String.fromCharCode(int(r, 0x10000));
      return s.slice(0, i) + ch + s.slice(i);
    }
  }
}

export interface FuzzReport {
  runs: number;
  accepted: number;
  refused: number;
  slowestMs: number;
}

/**
 * Runs `target` on the seeds and ITERATIONS mutated inputs (1–4 stacked mutations of a seed or
 * of an earlier input). `expected(e)` says whether a thrown error is a proper refusal.
 * Throws, naming the seed and iteration, on anything else or a hang.
 */
export function fuzz<T extends Uint8Array | string>(
  name: string,
  seeds: T[],
  target: (input: T) => void,
  expected: (e: unknown) => boolean,
  iterations = ITERATIONS,
): FuzzReport {
  const r = rng(SEED ^ hash(name));
  const text = typeof seeds[0] === 'string';
  const report: FuzzReport = { runs: 0, accepted: 0, refused: 0, slowestMs: 0 };
  const corpus: T[] = [...seeds];
  const run = (input: T, i: number) => {
    const t0 = performance.now();
    try {
      target(input);
      report.accepted++;
    } catch (e) {
      if (!expected(e)) {
        const shown =
          typeof input === 'string'
            ? JSON.stringify(input.slice(0, 300))
            : Buffer.from(input).toString('base64').slice(0, 400);
        throw new Error(
          `fuzz ${name}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} at iteration ${i} (FUZZ_SEED=${SEED}); input: ${shown}`,
          { cause: e },
        );
      }
      report.refused++;
    }
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > SLOW_MS)
      throw new Error(`fuzz ${name}: iteration ${i} took ${Math.round(ms)} ms (FUZZ_SEED=${SEED})`);
    report.runs++;
  };
  for (let i = 0; i < seeds.length; i++) run(seeds[i], -1 - i);
  for (let i = 0; i < iterations; i++) {
    let input = corpus[int(r, corpus.length)];
    const n = 1 + int(r, 4);
    for (let k = 0; k < n; k++)
      input = (
        text
          ? mutateText(r, input as string, corpus as string[])
          : mutateBytes(r, input as Uint8Array, corpus as Uint8Array[])
      ) as T;
    run(input, i);
    // keep some mutants as bases for further mutation (bounded, so runs stay linear)
    if (corpus.length < 256 && int(r, 8) === 0) corpus.push(input);
  }
  return report;
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
