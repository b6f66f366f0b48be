// Log records: randomness from the trace ID or (hash_seed mode) a record
// attribute, sampling information in the sampling.threshold and
// sampling.randomness attributes, and the configured sampling_priority
// attribute (collector logsprocessor.go).
import { deleteAttr, getAttr, setAttr } from '../../src/pdata/attributes.js';
import type { AnyValue, LogRecord } from '../../src/pdata/types.js';
import {
  hashRandomness,
  isEmptyId,
  probabilityToThreshold,
  randomnessRValue,
  rValueToRandomness,
  SamplerError,
  thresholdTValue,
  traceIdRandomness,
  tValueToThreshold,
} from './consistent.js';
import { type Carrier, missing, type Randomness, type Sampler } from './sampler.js';
import { ERR_RANDOMNESS_IN_USE, ERR_THRESHOLD_IN_USE } from './spans.js';
import { SamplingUpdateError } from './tracestate.js';

const str = (r: LogRecord, key: string): string => {
  const v = getAttr(r.attributes, key);
  return v !== undefined && 'stringValue' in v ? (v.stringValue as string) : '';
};

class RecordCarrier implements Carrier {
  tvalue = '';
  th = 0n;
  rvalue = '';
  rnd = 0n;
  constructor(private readonly rec: LogRecord) {}
  threshold() {
    return this.tvalue !== '' ? this.th : undefined;
  }
  explicitRandomness() {
    return this.rvalue !== '' ? this.rnd : undefined;
  }
  setExplicitRandomness(rnd: bigint) {
    this.rnd = rnd;
    this.rvalue = randomnessRValue(rnd);
    setAttr(this.rec.attributes, 'sampling.randomness', { stringValue: this.rvalue });
  }
  clearThreshold() {
    this.tvalue = '';
    deleteAttr(this.rec.attributes, 'sampling.threshold');
  }
  updateThreshold(th: bigint) {
    if (this.tvalue !== '' && th < this.th) throw new SamplingUpdateError();
    setAttr(this.rec.attributes, 'sampling.threshold', { stringValue: thresholdTValue(th) });
  }
  reserialize() {}
}

/** newLogRecordCarrier: parse errors of both attributes are reported (the first one). */
function carrierOf(rec: LogRecord): { carrier: RecordCarrier; error?: Error } {
  const c = new RecordCarrier(rec);
  let error: Error | undefined;
  const tv = str(rec, 'sampling.threshold');
  if (tv !== '')
    try {
      c.th = tValueToThreshold(tv);
      c.tvalue = tv;
    } catch (e) {
      error = e as Error;
    }
  const rv = str(rec, 'sampling.randomness');
  if (rv !== '')
    try {
      c.rnd = rValueToRandomness(rv);
      c.rvalue = rv;
    } catch (e) {
      error ??= e as Error;
    }
  return { carrier: c, error };
}

/** pcommon Value.AsString() for the value kinds an id attribute has; bytes stay bytes. */
function bytesOf(v: AnyValue): Uint8Array {
  if ('bytesValue' in v) return v.bytesValue as Uint8Array;
  if ('stringValue' in v) return Buffer.from(v.stringValue as string);
  if ('intValue' in v) return Buffer.from(String(v.intValue));
  if ('boolValue' in v) return Buffer.from(String(v.boolValue));
  if ('doubleValue' in v) return Buffer.from(formatFloatF(v.doubleValue as number));
  return Buffer.from(JSON.stringify(v));
}

/** strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent. */
function formatFloatF(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  const s = String(f);
  if (!/e/i.test(s)) return s;
  const [mant, expS] = s.toLowerCase().split('e');
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const point =
    (mant.replace(/^-/, '').indexOf('.') < 0 ? digits.length : mant.replace(/^-/, '').indexOf('.')) + exp;
  const out =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** randomnessFromLogRecord for each mode. */
export function logRandomness(
  s: Sampler,
  rec: LogRecord,
): { rnd: Randomness; carrier: Carrier | undefined; error?: Error } {
  const { carrier, error } = carrierOf(rec);
  switch (s.kind) {
    case 'never':
      return { rnd: { value: missing().value, policy: 'sampling_priority' }, carrier, error };
    case 'hash_seed': {
      let rnd = missing();
      if (s.logsTraceId && !isEmptyId(rec.traceId))
        rnd = { value: hashRandomness(rec.traceId, s.hashSeed), policy: 'trace_id_hash' };
      if (rnd.missing && s.logsAttribute !== '') {
        const v = getAttr(rec.attributes, s.logsAttribute);
        if (v !== undefined) {
          const b = bytesOf(v);
          if (b.length > 0) rnd = { value: hashRandomness(b, s.hashSeed), policy: s.logsAttribute };
        }
      }
      if (error) return { rnd, carrier: undefined, error };
      if (carrier.explicitRandomness() !== undefined)
        return { rnd, carrier: undefined, error: new SamplerError(ERR_RANDOMNESS_IN_USE) };
      if (carrier.threshold() !== undefined)
        return { rnd, carrier: undefined, error: new SamplerError(ERR_THRESHOLD_IN_USE) };
      if (!rnd.missing) carrier.setExplicitRandomness(rnd.value);
      return { rnd, carrier };
    }
    default: {
      if (error) return { rnd: missing(), carrier: undefined, error };
      const rv = carrier.explicitRandomness();
      if (rv !== undefined) return { rnd: { value: rv, policy: 'sampling_randomness' }, carrier };
      if (!isEmptyId(rec.traceId))
        return { rnd: { value: traceIdRandomness(rec.traceId), policy: 'trace_id_w3c' }, carrier };
      return { rnd: missing(), carrier };
    }
  }
}

/**
 * The sampling_priority attribute as a percentage (int or double): when it is
 * a valid probability it replaces the threshold; 0, other types and values
 * outside (0, 100] leave the decision to the mode (collector logsprocessor.go).
 */
export function logPriority(
  attribute: string,
  precision: number,
): (rec: LogRecord, rnd: Randomness, threshold: bigint) => { rnd: Randomness; threshold: bigint } {
  return (rec, rnd, threshold) => {
    if (attribute === '') return { rnd, threshold };
    const v = getAttr(rec.attributes, attribute);
    if (v === undefined) return { rnd, threshold };
    let minProb = 0;
    if ('doubleValue' in v) minProb = (v.doubleValue as number) / 100;
    else if ('intValue' in v) minProb = Number(v.intValue as bigint) / 100;
    if (minProb === 0) return { rnd, threshold };
    try {
      return {
        rnd: { value: rnd.value, policy: 'sampling_priority' },
        threshold: probabilityToThreshold(minProb, precision),
      };
    } catch {
      return { rnd, threshold };
    }
  };
}
