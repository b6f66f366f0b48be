// A lean RFC 3339 (nanosecond) parser for runtime timestamps: no regex, no
// Date object per line; the seconds of the last-seen prefix are cached since
// consecutive container log lines share them.

let cachePrefix = '';
let cacheSeconds = 0;
// the last (seconds, offset) pair as nanos, so most lines need one BigInt add
let baseKey = Number.NaN;
let baseNanos = 0n;

function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `2006-01-02T15:04:05[.999999999](Z|±07:00)` → Unix nanos; undefined if malformed. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58)
    return undefined;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return undefined;
  let secs: number;
  if (s.startsWith(cachePrefix) && cachePrefix.length === 19) secs = cacheSeconds;
  else {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const se = digits(s, 17, 2);
    if (
      y < 0 ||
      mo < 1 ||
      mo > 12 ||
      d < 1 ||
      d > 31 ||
      h < 0 ||
      h > 23 ||
      mi < 0 ||
      mi > 59 ||
      se < 0 ||
      se > 60
    )
      return undefined;
    secs = Date.UTC(y, mo - 1, d, h, mi, se) / 1000;
    cachePrefix = s.slice(0, 19);
    cacheSeconds = secs;
  }
  let i = 19;
  let nanos = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let n = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      if (n < 9) {
        nanos = nanos * 10 + c;
        n++;
      }
      i++;
    }
    if (n === 0) return undefined;
    for (; n < 9; n++) nanos *= 10;
  }
  const z = s.charCodeAt(i);
  let offset = 0;
  if (z === 90 || z === 122) {
    if (i + 1 !== s.length) return undefined;
  } else if (z === 43 || z === 45) {
    if (i + 6 !== s.length || s.charCodeAt(i + 3) !== 58) return undefined;
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0) return undefined;
    offset = (oh * 3600 + om * 60) * (z === 43 ? 1 : -1);
  } else return undefined;
  const key = secs - offset;
  if (key !== baseKey) {
    baseKey = key;
    baseNanos = BigInt(key) * 1_000_000_000n;
  }
  return baseNanos + BigInt(nanos);
}
