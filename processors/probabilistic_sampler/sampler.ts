// The sampling modes and the per-item decision shared by spans and log records
// (collector sampler_mode.go: makeSampler, commonShouldSampleLogic).

import type { ProbabilisticSamplerConfig } from './config.js';
import {
  ALL_PROBABILITIES_RANDOMNESS,
  ALWAYS_SAMPLE,
  MIN_SAMPLING_PROBABILITY,
  NEVER_SAMPLE,
  probabilityToThreshold,
  SamplerError,
  shouldSample,
  thresholdProbability,
} from './consistent.js';
import { SamplingUpdateError } from './tracestate.js';

/** Where an item's sampling information lives (the span's tracestate, the record's attributes). */
export interface Carrier {
  /** The arriving threshold, if the item has one. */
  threshold(): bigint | undefined;
  explicitRandomness(): bigint | undefined;
  setExplicitRandomness(rnd: bigint): void;
  clearThreshold(): void;
  /** Throws SamplingUpdateError when that would raise the probability. */
  updateThreshold(th: bigint): void;
  /** Writes the changes back into the item (spans: the tracestate). */
  reserialize(): void;
}

/** Randomness and the name of where it came from (the `policy` label). */
export interface Randomness {
  value: bigint;
  policy: string;
  /** No randomness could be found (a fake value stands in). */
  missing?: boolean;
}

export const missing = (): Randomness => ({
  value: ALL_PROBABILITIES_RANDOMNESS,
  policy: 'missing_randomness',
  missing: true,
});

export type Kind = 'hash_seed' | 'equalizing' | 'proportional' | 'never';

export interface Sampler {
  kind: Kind;
  /** hash_seed, equalizing: the configured threshold. */
  threshold: bigint;
  /** proportional: the configured ratio. */
  ratio: number;
  precision: number;
  hashSeed: number;
  logsTraceId: boolean;
  logsAttribute: string;
}

/** makeSampler: the configured percentage as the mode's threshold or ratio. */
export function makeSampler(cfg: ProbabilisticSamplerConfig): Sampler {
  let pct = Math.fround(cfg.sampling_percentage);
  if (pct > 100) pct = 100;
  const base = {
    threshold: NEVER_SAMPLE,
    ratio: 0,
    precision: cfg.sampling_precision,
    hashSeed: cfg.hash_seed,
    logsTraceId: cfg.attribute_source === 'traceID',
    logsAttribute: cfg.from_attribute,
  };
  const mode = cfg.mode === '' ? 'hash_seed' : cfg.mode;
  if (pct === 0) return { ...base, kind: 'never' };
  let ratio = pct / 100;
  if (ratio < MIN_SAMPLING_PROBABILITY) ratio = MIN_SAMPLING_PROBABILITY;
  if (mode === 'equalizing')
    return { ...base, kind: mode, threshold: probabilityToThreshold(ratio, cfg.sampling_precision) };
  if (mode === 'proportional') return { ...base, kind: mode, ratio };
  // hash_seed: the original arithmetic, float32 and truncated: uint32(pct * 16384/100)
  const scaled = Math.trunc(Math.fround(pct * Math.fround(0x4000 / 100)));
  if (scaled === 0) return { ...base, kind: 'never' };
  return { ...base, kind: 'hash_seed', threshold: BigInt(0x4000 - scaled) << 42n };
}

/** The mode's threshold for an item (decide). */
function decide(s: Sampler, carrier: Carrier | undefined): bigint {
  switch (s.kind) {
    case 'never':
      return NEVER_SAMPLE;
    case 'hash_seed':
      return s.threshold;
    case 'equalizing': {
      const tv = carrier?.threshold();
      return tv !== undefined && s.threshold < tv ? tv : s.threshold;
    }
    case 'proportional': {
      const tv = carrier?.threshold();
      const incoming = tv !== undefined ? thresholdProbability(tv) : 1;
      try {
        return probabilityToThreshold(incoming * s.ratio, s.precision);
      } catch {
        // below the smallest probability: not sampled
        return NEVER_SAMPLE;
      }
    }
  }
}

export interface Outcome {
  sampled: boolean;
  policy: string;
  /** A problem with the item's sampling information (logged: debug for SamplerError, else info). */
  error?: Error;
}

export const ERR_MISSING_RANDOMNESS = 'missing randomness';
export const ERR_INCONSISTENT = 'inconsistent arriving threshold: item should not have been sampled';

/** commonShouldSampleLogic for one item. `priority` may override the threshold and the policy name. */
export function shouldSampleItem(
  s: Sampler,
  failClosed: boolean,
  found: { rnd: Randomness; carrier: Carrier | undefined; error?: Error },
  priority: (rnd: Randomness, threshold: bigint) => { rnd: Randomness; threshold: bigint },
): Outcome {
  let { rnd, carrier, error } = found;
  if (!error) {
    // consistencyCheck
    if (rnd.missing) error = new SamplerError(ERR_MISSING_RANDOMNESS);
    else if (carrier) {
      const tv = carrier.threshold();
      if (tv !== undefined && !shouldSample(tv, rnd.value)) {
        carrier.clearThreshold();
        error = new SamplerError(ERR_INCONSISTENT);
      }
    }
  }
  let threshold = error ? (failClosed ? NEVER_SAMPLE : ALWAYS_SAMPLE) : decide(s, carrier);
  ({ rnd, threshold } = priority(rnd, threshold));
  const sampled = shouldSample(threshold, rnd.value);
  let updateError: Error | undefined;
  if (sampled && carrier) {
    try {
      carrier.updateThreshold(threshold);
    } catch (e) {
      if (!(e instanceof SamplingUpdateError)) updateError = e as Error;
    }
    carrier.reserialize();
  }
  return { sampled, policy: rnd.policy, error: error ?? updateError };
}
