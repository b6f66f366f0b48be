// OpenTelemetry consistent probability sampling (OTEP 235), as the collector's
// pkg/sampling implements it: 56-bit thresholds and randomness, their hex
// encodings (the `th` and `rv` tracestate values), and the conversion from a
// probability with a given precision. Values are bigints in [0, 2^56].

export const MAX_ADJUSTED_COUNT = 1n << 56n;
export const NUM_HEX_DIGITS = 14;
/** 100 %: every randomness value passes. */
export const ALWAYS_SAMPLE = 0n;
/** 0 %: its t-value is the empty string. */
export const NEVER_SAMPLE = MAX_ADJUSTED_COUNT;
/** Sampled at every probability (what missing randomness stands for). */
export const ALL_PROBABILITIES_RANDOMNESS = MAX_ADJUSTED_COUNT - 1n;
export const MIN_SAMPLING_PROBABILITY = 2 ** -56;

/** Errors that are ordinary outcomes (the collector logs them at debug level). */
export class SamplerError extends Error {}

const HEX = /^[0-9a-fA-F]+$/;

function parseHex(s: string): bigint {
  // strconv.ParseUint(s, 16, 64): digits only, no sign or prefix
  if (!HEX.test(s)) throw new Error(`strconv.ParseUint: parsing "${s}": invalid syntax`);
  return BigInt(`0x${s}`);
}

/** A t-value ("th") to its threshold: trailing zeros were omitted by the encoding. */
export function tValueToThreshold(s: string): bigint {
  if (s.length > NUM_HEX_DIGITS) throw new Error('t-value exceeds 14 hex digits');
  if (s.length === 0) throw new Error('t-value is empty');
  return parseHex(s) << BigInt(4 * (NUM_HEX_DIGITS - s.length));
}

/** A threshold to its t-value: 14 hex digits, trailing zeros removed; "0" for 100 %, "" for 0 %. */
export function thresholdTValue(th: bigint): string {
  if (th === ALWAYS_SAMPLE) return '0';
  if (th === NEVER_SAMPLE) return '';
  return randomnessRValue(th).replace(/0+$/, '');
}

/** An r-value ("rv"): exactly 14 hex digits. */
export function rValueToRandomness(s: string): bigint {
  if (s.length !== NUM_HEX_DIGITS) throw new Error('r-value must have 14 hex digits');
  return parseHex(s);
}

export function randomnessRValue(rnd: bigint): string {
  if (rnd >= MAX_ADJUSTED_COUNT) return '';
  return rnd.toString(16).padStart(NUM_HEX_DIGITS, '0');
}

/** T <= R: the item passes the threshold. */
export const shouldSample = (th: bigint, rnd: bigint): boolean => th <= rnd;

/** The sampling probability a threshold stands for. */
export const thresholdProbability = (th: bigint): number =>
  Number(MAX_ADJUSTED_COUNT - th) / Number(MAX_ADJUSTED_COUNT);

/** The least significant 56 bits of the trace ID (W3C Trace Context level 2 randomness). */
export function traceIdRandomness(id: Uint8Array): bigint {
  let r = 0n;
  for (let i = 9; i < 16; i++) r = (r << 8n) | BigInt(id[i]);
  return r;
}

/** Go's math.Frexp exponent for a positive finite x: x = frac × 2^exp with frac in [0.5, 1). */
function frexpExp(x: number): number {
  if (x === 0) return 0;
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const e = (dv.getUint16(0) >>> 4) & 0x7ff;
  if (e === 0) return frexpExp(x * 2 ** 64) - 64; // subnormal
  return e - 1022;
}

/**
 * ProbabilityToThresholdWithPrecision: `precision` hex digits (0 = all 14), with
 * extra digits near 0 and 1 so the relative error stays small; throws when
 * the probability is outside [2^-56, 1].
 */
export function probabilityToThreshold(fraction: number, precision: number): bigint {
  if (precision === 0) precision = NUM_HEX_DIGITS;
  if (!(fraction >= MIN_SAMPLING_PROBABILITY && fraction <= 1))
    throw new RangeError('sampling probability out of the range [1/MaxAdjustedCount, 1]');
  if (fraction === 1) return ALWAYS_SAMPLE;
  const expF = frexpExp(fraction);
  const expR = frexpExp(1 - fraction);
  // Go: integer division truncates toward zero
  precision = Math.min(
    NUM_HEX_DIGITS,
    Math.max(precision + Math.trunc(expF / -4), precision + Math.trunc(expR / -4)),
  );
  const scaled = BigInt(Math.round(fraction * 2 ** 56));
  let threshold = MAX_ADJUSTED_COUNT - scaled;
  const shift = BigInt(4 * (NUM_HEX_DIGITS - precision));
  if (shift !== 0n) {
    threshold += 1n << (shift - 1n);
    threshold >>= shift;
    threshold <<= shift;
  }
  return threshold;
}

/** FNV-1a 32 over the seed's 4 little-endian bytes, then `b` (the collector's computeHash). */
export function fnv1a32(b: Uint8Array, seed: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ ((seed >>> (8 * i)) & 0xff), 0x01000193);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

const HASH_BUCKETS = 0x4000;

/**
 * hash_seed randomness (randomnessFromBytes): the 14-bit hash bucket, mirrored so
 * that "bucket < rate" reads as the specified "threshold <= randomness", in the
 * top 14 bits of 56; the other bits mix the hash's 18 unused bits.
 */
export function hashRandomness(b: Uint8Array, seed: number): bigint {
  const h = fnv1a32(b, seed);
  const hashed = BigInt(h & (HASH_BUCKETS - 1));
  const rprime14 = BigInt(HASH_BUCKETS - 1) - hashed;
  const unused18 = BigInt(h >>> 14);
  const mixed28 = unused18 ^ (unused18 << 10n);
  return (rprime14 << 42n) | (mixed28 << 14n) | hashed;
}

/** An all-zero (or absent) trace ID: no randomness in it. */
export function isEmptyId(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}
