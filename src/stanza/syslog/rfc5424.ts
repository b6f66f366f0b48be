// RFC 5424 syslog messages, with go-syslog's rfc5424 machine rules (what the
// collector's syslog parser runs): PRI 0-191, VERSION 1-999, an RFC 3339
// timestamp with at most 6 fraction digits (or "-"), HOSTNAME/APP-NAME/
// PROCID/MSGID as 1-255/48/128/32 printable US-ASCII characters (or "-"),
// STRUCTURED-DATA elements (no duplicate SD-ID; `\"`, `\\`, `\]` unescaped in
// values, any other backslash an error), then an optional " MSG". The result
// has the collector's keys; "-" and empty values are left out.
import { setOwn } from '../entry.js';
import { type Direct, priEnd, priFields, readPri, SyslogError, SyslogTime } from './common.js';

const isGraph = (c: number) => c >= 33 && c <= 126;
const isSdName = (c: number) => isGraph(c) && c !== 61 /* = */ && c !== 93 /* ] */ && c !== 34; /* " */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function num(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

// consecutive messages mostly share their second: its nanos are cached
let lastSecPrefix = '';
let lastOffset = 0;
let lastSecNanos = 0n;

const badStamp = (i: number): never => {
  throw new SyslogError(`expecting a RFC3339MICRO timestamp or a nil value [col ${i}]`);
};

/** Reads `2006-01-02T15:04:05[.999999](Z|±07:00)` at `i` (go-syslog's grammar); `end` is set after it. */
function readTimestamp(s: string, i: number): SyslogTime {
  const y = num(s, i, 4);
  const mo = num(s, i + 5, 2);
  const d = num(s, i + 8, 2);
  const h = num(s, i + 11, 2);
  const mi = num(s, i + 14, 2);
  const se = num(s, i + 17, 2);
  if (
    y < 0 ||
    s.charCodeAt(i + 4) !== 45 ||
    mo < 1 ||
    mo > 12 ||
    s.charCodeAt(i + 7) !== 45 ||
    d < 1 ||
    d > 31 ||
    s.charCodeAt(i + 10) !== 84 ||
    h < 0 ||
    h > 23 ||
    s.charCodeAt(i + 13) !== 58 ||
    mi < 0 ||
    mi > 59 ||
    s.charCodeAt(i + 16) !== 58 ||
    se < 0 ||
    se > 59
  )
    badStamp(i);
  let j = i + 19;
  let frac = 0;
  if (s.charCodeAt(j) === 46) {
    let n = 0;
    j++;
    for (;;) {
      const c = s.charCodeAt(j) - 48;
      if (c < 0 || c > 9) break;
      if (++n > 6) badStamp(j);
      frac = frac * 10 + c;
      j++;
    }
    if (n === 0) badStamp(j);
    for (; n < 9; n++) frac *= 10;
  }
  let offset = 0;
  const z = s.charCodeAt(j);
  if (z === 90 /* Z */) j++;
  else if (z === 43 || z === 45) {
    const oh = num(s, j + 1, 2);
    const om = num(s, j + 4, 2);
    if (oh < 0 || oh > 23 || s.charCodeAt(j + 3) !== 58 || om < 0 || om > 59) badStamp(j);
    offset = (oh * 3600 + om * 60) * (z === 43 ? 1 : -1);
    j += 6;
  } else badStamp(j);
  const dim = mo === 2 && leap(y) ? 29 : MONTH_DAYS[mo - 1];
  if (d > dim) throw new SyslogError(`parsing time "${s.slice(i, j)}": day out of range [col ${j}]`);
  if (offset !== lastOffset || !s.startsWith(lastSecPrefix, i) || lastSecPrefix.length !== 19) {
    let ms = Date.UTC(y, mo - 1, d, h, mi, se);
    if (y < 100) ms = new Date(ms).setUTCFullYear(y);
    lastSecNanos = BigInt(ms / 1000 - offset) * 1_000_000_000n;
    lastSecPrefix = s.slice(i, i + 19);
    lastOffset = offset;
  }
  end = j;
  return new SyslogTime(frac === 0 ? lastSecNanos : lastSecNanos + BigInt(frac));
}

// The readers return what they read and leave the index after it here
// (no [value, index] tuple per field: this runs for every message).
let end = 0;

/** A header field of 1..max graph characters ending at a space. */
function readField(s: string, i: number, max: number, what: string): string {
  let j = i;
  while (j < s.length && isGraph(s.charCodeAt(j))) j++;
  if (j === i || j - i > max) throw new SyslogError(`expecting ${what} [col ${Math.min(j, i + max)}]`);
  end = j;
  return s.slice(i, j);
}

function expectSp(s: string, i: number): number {
  if (s.charCodeAt(i) !== 32) throw new SyslogError(`parsing error [col ${i}]`);
  return i + 1;
}

function readSdName(s: string, i: number, what: string): string {
  let j = i;
  while (j < s.length && isSdName(s.charCodeAt(j))) j++;
  if (j === i || j - i > 32) throw new SyslogError(`${what} [col ${j}]`);
  end = j;
  return s.slice(i, j);
}

const ERR_SDID =
  'expecting a structured data element id (from 1 to max 32 US-ASCII characters; except `=`, ` `, `]`, and `"`';
const ERR_SDPARAM =
  'expecting a structured data parameter (`key="value"`, both part from 1 to max 32 US-ASCII characters; key cannot contain `=`, ` `, `]`, and `"`, while value cannot contain `]`, backslash, and `"` unless escaped)';

function readStructuredData(s: string, i: number): Record<string, Record<string, string>> {
  const sd: Record<string, Record<string, string>> = {};
  while (s.charCodeAt(i) === 91 /* [ */) {
    const id = readSdName(s, i + 1, ERR_SDID);
    const j = end;
    if (Object.hasOwn(sd, id)) throw new SyslogError(`duplicate structured data element id [col ${j}]`);
    const params: Record<string, string> = {};
    setOwn(sd, id, params);
    i = j;
    while (s.charCodeAt(i) === 32) {
      const name = readSdName(s, i + 1, ERR_SDPARAM);
      const k = end;
      if (s.charCodeAt(k) !== 61 || s.charCodeAt(k + 1) !== 34)
        throw new SyslogError(`${ERR_SDPARAM} [col ${k}]`);
      let v = '';
      let p = k + 2;
      let from = p;
      for (;;) {
        const c = s.charCodeAt(p);
        if (c === 34 /* " */) break;
        if (c === 92 /* \ */) {
          const n = s.charCodeAt(p + 1);
          if (n !== 34 && n !== 92 && n !== 93)
            throw new SyslogError(
              `expecting chars \`]\`, \`"\`, and \`\\\` to be escaped within param value [col ${p + 1}]`,
            );
          v += s.slice(from, p);
          from = p + 1; // the escaped character starts the next run
          p += 2;
          continue;
        }
        if (c === 93 /* ] */ || Number.isNaN(c)) throw new SyslogError(`${ERR_SDPARAM} [col ${p}]`);
        p++;
      }
      setOwn(params, name, from === k + 2 ? s.slice(from, p) : v + s.slice(from, p));
      i = p + 1;
    }
    if (s.charCodeAt(i) !== 93) throw new SyslogError(`${ERR_SDPARAM} [col ${i}]`);
    i++;
  }
  end = i;
  return sd;
}

/** Parses one RFC 5424 message into the collector's map (timestamp as a SyslogTime). */
export function parseRfc5424(s: string, skipPri = false, direct?: Direct): Record<string, unknown> {
  const pri = readPri(s);
  let i = priEnd;
  let ver = 0;
  const vStart = i;
  for (; i - vStart < 4; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) break;
    ver = ver * 10 + c;
  }
  if (i === vStart || i - vStart > 3 || s.charCodeAt(vStart) === 48)
    throw new SyslogError(`expecting a version value in the range 1-999 [col ${i}]`);
  i = expectSp(s, i);
  const out: Record<string, unknown> = {};
  if (s.charCodeAt(i) === 45 /* - */) i++;
  else {
    const t = readTimestamp(s, i);
    if (direct) direct.time = t;
    else out.timestamp = t;
    i = end;
  }
  i = expectSp(s, i);
  let v = readField(s, i, 255, 'an hostname (from 1 to max 255 US-ASCII characters) or a nil value');
  if (v !== '-') out.hostname = v;
  i = expectSp(s, end);
  v = readField(s, i, 48, 'an app-name (from 1 to max 48 US-ASCII characters) or a nil value');
  if (v !== '-') out.appname = v;
  i = expectSp(s, end);
  v = readField(s, i, 128, 'a procid (from 1 to max 128 US-ASCII characters) or a nil value');
  if (v !== '-') out.proc_id = v;
  i = expectSp(s, end);
  v = readField(s, i, 32, 'a msgid (from 1 to max 32 US-ASCII characters) or a nil value');
  if (v !== '-') out.msg_id = v;
  i = expectSp(s, end);
  const c = s.charCodeAt(i);
  if (c === 45 /* - */) i++;
  else if (c === 91 /* [ */) {
    out.structured_data = readStructuredData(s, i);
    i = end;
  } else
    throw new SyslogError(
      `expecting a structured data section containing one or more elements (\`[id( key="value")*]+\`) or a nil value [col ${i}]`,
    );
  if (i < s.length) {
    i = expectSp(s, i);
    if (i < s.length) out.message = s.slice(i);
  }
  out.version = ver;
  if (!skipPri) priFields(out, pri, direct);
  return out;
}
