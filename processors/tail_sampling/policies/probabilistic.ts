// The probabilistic policy with the collector's exact hashing (internal/sampling/
// probabilistic.go): FNV-1a 64 over the salt's bytes then the 16 trace ID bytes,
// sampled when the hash is <= MaxUint64 * ratio (computed as Go's big.Float does),
// so a collector and Tsunagi with the same salt keep the same traces.
import { Decision, type Evaluator } from './types.js';

const DEFAULT_SALT = 'default-hash-seed';
const TWO32 = 4294967296;

/** FNV-1a 64 of `parts` in sequence, as [hi, lo] 32-bit halves (no bigint on the hot path). */
export function fnv1a64(...parts: Uint8Array[]): [number, number] {
  // offset basis 0xcbf29ce484222325
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const p of parts)
    for (let i = 0; i < p.length; i++) {
      lo ^= p[i];
      lo >>>= 0;
      // × prime 0x100000001b3 = × 0x1b3 + (× 2^40): the 2^40 term only reaches the high word (lo << 8)
      const tl = lo * 0x1b3;
      const carry = Math.floor(tl / TWO32);
      const nl = tl - carry * TWO32;
      hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % TWO32;
      lo = nl;
    }
  return [hi >>> 0, lo >>> 0];
}

/**
 * floor(MaxUint64 × ratio) the way Go computes it: big.Float product at 64-bit
 * precision (round half to even), then Uint64() (truncation, clamped to [0, MaxUint64]).
 */
export function thresholdFor(ratio: number): bigint {
  const MAX = (1n << 64n) - 1n;
  if (!(ratio > 0)) return 0n; // negative, zero or NaN
  if (!Number.isFinite(ratio)) return MAX;
  // ratio = mant × 2^exp exactly
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, ratio);
  const bits = buf.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = e === 0 ? frac : frac | (1n << 52n);
  const exp = (e === 0 ? 1 : e) - 1075;
  let p = MAX * mant;
  let shift = 0n;
  const len = BigInt(p.toString(2).length);
  if (len > 64n) {
    shift = len - 64n;
    const rem = p & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    p >>= shift;
    if (rem > half || (rem === half && (p & 1n) === 1n)) p += 1n;
  }
  const total = shift + BigInt(exp);
  const v = total >= 0n ? p << total : p >> -total;
  return v > MAX ? MAX : v;
}

export function probabilistic(cfg: { hash_salt: string; sampling_percentage: number }): Evaluator {
  const salt = new TextEncoder().encode(cfg.hash_salt === '' ? DEFAULT_SALT : cfg.hash_salt);
  const t = thresholdFor(cfg.sampling_percentage / 100);
  const tHi = Number(t >> 32n);
  const tLo = Number(t & 0xffffffffn);
  return {
    evaluate(trace) {
      const [hi, lo] = fnv1a64(salt, trace.traceId);
      return hi < tHi || (hi === tHi && lo <= tLo) ? Decision.Sampled : Decision.NotSampled;
    },
  };
}
