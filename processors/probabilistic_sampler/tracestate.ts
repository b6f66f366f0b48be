// W3C tracestate with its OpenTelemetry section (`ot=th:…;rv:…`), parsed and
// written as the collector's pkg/sampling does (W3CTraceState,
// OpenTelemetryTraceState): the whole header is checked against the W3C
// grammar, the `ot` member is moved first when written, other members keep
// their order.
import { randomnessRValue, rValueToRandomness, thresholdTValue, tValueToThreshold } from './consistent.js';

const MAX_W3C_LENGTH = 1024;
const MAX_OTEL_LENGTH = 256;

// key = simple-key / multi-tenant-key; value = 0*255(chr) nblk-chr; members separated by OWS "," OWS
const KEY = '(?:[a-z][a-z0-9\\-*/_]{0,255}|[a-z0-9][a-z0-9\\-*/_]{0,240}@[a-z][a-z0-9\\-*/_]{0,13})';
const VALUE = '[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';
const MEMBER = `(?:${KEY}=${VALUE})|(?:[ \\t]*)`;
const W3C = new RegExp(`^(?:${MEMBER})(?:[ \\t]*,[ \\t]*(?:${MEMBER}))*$`);

export interface KV {
  key: string;
  value: string;
}

export class OTelTraceState {
  rvalue = '';
  rnd = 0n;
  tvalue = '';
  threshold = 0n;
  extra: KV[] = [];

  hasAny(): boolean {
    return this.rvalue !== '' || this.tvalue !== '' || this.extra.length > 0;
  }

  /** UpdateTValueWithSampling: a threshold may only rise (the probability fall). */
  updateThreshold(th: bigint): void {
    if (this.tvalue !== '' && this.threshold > th) throw new SamplingUpdateError();
    this.threshold = th;
    this.tvalue = thresholdTValue(th);
  }

  clearThreshold(): void {
    this.tvalue = '';
    this.threshold = 0n;
  }

  setRandomness(rnd: bigint): void {
    this.rnd = rnd;
    this.rvalue = randomnessRValue(rnd);
  }

  serialize(): string {
    const parts: string[] = [];
    if (this.rvalue !== '') parts.push(`rv:${this.rvalue}`);
    if (this.tvalue !== '') parts.push(`th:${this.tvalue}`);
    for (const kv of this.extra) parts.push(`${kv.key}:${kv.value}`);
    return parts.join(';');
  }
}

/** The collector's ErrInconsistentSampling. */
export class SamplingUpdateError extends Error {
  constructor() {
    super('cannot raise existing sampling probability');
  }
}

const OTEL_KEY = /^[a-z][a-z0-9]*$/;
const OTEL_VALUE = /^[a-zA-Z0-9._-]*$/;

function validOTel(input: string): boolean {
  if (input === '' || input.endsWith(';')) return false;
  for (const member of input.split(';')) {
    const colon = member.indexOf(':');
    if (colon < 1) return false;
    if (!OTEL_KEY.test(member.slice(0, colon)) || !OTEL_VALUE.test(member.slice(colon + 1))) return false;
  }
  return true;
}

/** The `ot` value; throws the first of its errors (after reading all members, as the collector joins them). */
export function parseOTel(input: string): OTelTraceState {
  const o = new OTelTraceState();
  if (input.length > MAX_OTEL_LENGTH) throw new Error('invalid tracestate size');
  if (!validOTel(input)) throw new Error('invalid syntax');
  let first: Error | undefined;
  for (const member of input.split(';')) {
    if (member === '') continue;
    const colon = member.indexOf(':');
    const key = member.slice(0, colon);
    const value = member.slice(colon + 1);
    try {
      if (key === 'rv') {
        o.rvalue = '';
        o.rnd = rValueToRandomness(value);
        o.rvalue = value;
      } else if (key === 'th') {
        o.tvalue = '';
        o.threshold = tValueToThreshold(value);
        o.tvalue = value;
      } else o.extra.push({ key, value });
    } catch (e) {
      if (key === 'th') o.threshold = 0n;
      first ??= e as Error;
    }
  }
  if (first) throw first;
  return o;
}

export class W3CTraceState {
  ot = new OTelTraceState();
  extra: KV[] = [];

  serialize(): string {
    const parts: string[] = [];
    if (this.ot.hasAny()) parts.push(`ot=${this.ot.serialize()}`);
    for (const kv of this.extra) parts.push(`${kv.key}=${kv.value}`);
    return parts.join(',');
  }
}

/** NewW3CTraceState: throws on an invalid header (too long, bad syntax, 32+ members, bad `ot` value). */
export function parseW3C(input: string): W3CTraceState {
  const w = new W3CTraceState();
  if (input.length > MAX_W3C_LENGTH) throw new Error('invalid tracestate size');
  if (!W3C.test(input)) throw new Error('invalid syntax');
  let items = 0;
  let rest = input;
  while (rest !== '') {
    // the collector counts every member, and refuses at the 32nd (maxItems 32, items >= maxItems)
    if (++items >= 32) throw new Error('invalid tracestate item count');
    const comma = rest.indexOf(',');
    const raw = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
    const member = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (member === '') continue;
    const eq = member.indexOf('=');
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (key === 'ot') w.ot = parseOTel(value);
    else w.extra.push({ key, value });
  }
  return w;
}
