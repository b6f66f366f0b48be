// Spans: randomness from the trace ID (hash_seed: hashed; consistent modes:
// its W3C random bits, or an explicit `rv`), sampling information in the
// tracestate's `ot` section, and the OpenTracing `sampling.priority` override
// (collector tracesprocessor.go).
import { getAttr } from '../../src/pdata/attributes.js';
import type { Span } from '../../src/pdata/types.js';
import {
  ALWAYS_SAMPLE,
  hashRandomness,
  isEmptyId,
  NEVER_SAMPLE,
  SamplerError,
  traceIdRandomness,
} from './consistent.js';
import { type Carrier, missing, type Randomness, type Sampler } from './sampler.js';
import { parseW3C, type W3CTraceState } from './tracestate.js';

export const ERR_RANDOMNESS_IN_USE =
  'item has sampling randomness, equalizing or proportional mode recommended';
export const ERR_THRESHOLD_IN_USE =
  'item has sampling threshold, equalizing or proportional mode recommended';

class TraceStateCarrier implements Carrier {
  constructor(
    private readonly span: Span,
    private readonly ts: W3CTraceState,
  ) {}
  threshold() {
    return this.ts.ot.tvalue !== '' ? this.ts.ot.threshold : undefined;
  }
  explicitRandomness() {
    return this.ts.ot.rvalue !== '' ? this.ts.ot.rnd : undefined;
  }
  setExplicitRandomness(rnd: bigint) {
    this.ts.ot.setRandomness(rnd);
  }
  clearThreshold() {
    this.ts.ot.clearThreshold();
  }
  updateThreshold(th: bigint) {
    this.ts.ot.updateThreshold(th);
  }
  reserialize() {
    this.span.traceState = this.ts.serialize();
  }
}

function carrierOf(span: Span): { carrier?: TraceStateCarrier; error?: Error } {
  try {
    return { carrier: new TraceStateCarrier(span, parseW3C(span.traceState)) };
  } catch (e) {
    return { error: e as Error };
  }
}

/** randomnessFromSpan for each mode. */
export function spanRandomness(
  s: Sampler,
  span: Span,
): { rnd: Randomness; carrier: Carrier | undefined; error?: Error } {
  const { carrier, error } = carrierOf(span);
  switch (s.kind) {
    case 'never':
      // a stand-in randomness that is never looked at (and is not "missing")
      return { rnd: { value: missing().value, policy: 'sampling_priority' }, carrier, error };
    case 'hash_seed': {
      const rnd = isEmptyId(span.traceId)
        ? missing()
        : { value: hashRandomness(span.traceId, s.hashSeed), policy: 'trace_id_hash' };
      // with rv or th already there, leave the tracestate alone: this mode is not the right one
      if (!carrier) return { rnd, carrier: undefined, error };
      if (carrier.explicitRandomness() !== undefined)
        return { rnd, carrier: undefined, error: new SamplerError(ERR_RANDOMNESS_IN_USE) };
      if (carrier.threshold() !== undefined)
        return { rnd, carrier: undefined, error: new SamplerError(ERR_THRESHOLD_IN_USE) };
      carrier.setExplicitRandomness(rnd.value);
      return { rnd, carrier };
    }
    default: {
      if (!carrier) return { rnd: missing(), carrier: undefined, error };
      const rv = carrier.explicitRandomness();
      if (rv !== undefined) return { rnd: { value: rv, policy: 'sampling_randomness' }, carrier };
      if (!isEmptyId(span.traceId))
        return { rnd: { value: traceIdRandomness(span.traceId), policy: 'trace_id_w3c' }, carrier };
      return { rnd: missing(), carrier };
    }
  }
}

/** Go's strconv.ParseFloat for the forms a sampling.priority string takes. */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function parseGoFloat(s: string): number {
  const t = s.toLowerCase();
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  return Number.parseFloat(s);
}

/** sampling.priority: 0 → never sample, > 0 → always; otherwise (or absent) the mode decides. */
export function spanPriority(
  span: Span,
  rnd: Randomness,
  threshold: bigint,
): { rnd: Randomness; threshold: bigint } {
  const v = getAttr(span.attributes, 'sampling.priority');
  if (v === undefined) return { rnd, threshold };
  let n: number | undefined;
  if ('intValue' in v) n = Number(v.intValue as bigint);
  else if ('doubleValue' in v) n = v.doubleValue as number;
  else if ('stringValue' in v && FLOAT.test(v.stringValue as string))
    n = parseGoFloat(v.stringValue as string);
  if (n === 0) return { rnd: { value: rnd.value, policy: 'sampling_priority' }, threshold: NEVER_SAMPLE };
  if (n !== undefined && n > 0)
    return { rnd: { value: rnd.value, policy: 'sampling_priority' }, threshold: ALWAYS_SAMPLE };
  return { rnd, threshold };
}
