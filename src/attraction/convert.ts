// `convert` with the collector's rules: int from double truncates, from bool
// is 1/0, from string only if it parses as a base-10 int64 (else unchanged);
// double likewise; string is the value's string form.
import { anyValueToString } from '../pdata/attributes.js';
import type { AnyValue } from '../pdata/types.js';

const INT_RE = /^[+-]?\d+$/;
// What Go's strconv.ParseFloat accepts in decimal form (plus inf/infinity/nan).
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function convertValue(v: AnyValue, to: 'int' | 'double' | 'string'): AnyValue {
  switch (to) {
    case 'string':
      return 'stringValue' in v ? v : { stringValue: anyValueToString(v) };
    case 'int':
      if ('doubleValue' in v) {
        const d = v.doubleValue as number;
        return Number.isFinite(d) ? { intValue: BigInt(Math.trunc(d)) } : v;
      }
      if ('boolValue' in v) return { intValue: v.boolValue ? 1n : 0n };
      if ('stringValue' in v) {
        const s = v.stringValue as string;
        if (!INT_RE.test(s)) return v;
        const n = BigInt(s);
        return n >= INT64_MIN && n <= INT64_MAX ? { intValue: n } : v;
      }
      return v;
    case 'double':
      if ('intValue' in v) return { doubleValue: Number(v.intValue) };
      if ('boolValue' in v) return { doubleValue: v.boolValue ? 1 : 0 };
      if ('stringValue' in v) {
        const s = v.stringValue as string;
        if (!FLOAT_RE.test(s)) return v;
        const low = s.toLowerCase();
        const sign = low.startsWith('-') ? -1 : 1;
        const body = low.replace(/^[+-]/, '');
        if (body.startsWith('inf')) return { doubleValue: sign * Number.POSITIVE_INFINITY };
        if (body === 'nan') return { doubleValue: Number.NaN };
        return { doubleValue: Number(low) };
      }
      return v;
  }
}
