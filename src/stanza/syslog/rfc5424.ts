// RFC 5424 syslog messages, with go-syslog's rfc5424 machine rules (what the
// collector's syslog parser runs): PRI 0-191, VERSION 1-999, an RFC 3339
// timestamp with at most 6 fraction digits (or "-"), HOSTNAME/APP-NAME/
// PROCID/MSGID as 1-255/48/128/32 printable US-ASCII characters (or "-"),
// STRUCTURED-DATA elements (no duplicate SD-ID; `\"`, `\\`, `\]` unescaped in
// values, any other backslash an error), then an optional " MSG". The result
// has the collector's keys; "-" and empty values are left out.
import { priFields, readPri, SyslogError, SyslogTime } from './common.js';

const isGraph = (c: number) => c >= 33 && c <= 126;
const isSdName = (c: number) => isGraph(c) && c !== 61 /* = */ && c !== 93 /* ] */ && c !== 34; /* " */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const TS =
  /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,6}))?(Z|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))/;

/** Parses an RFC 3339 timestamp at `i` (the RFC3339MICRO grammar); returns [nanos, end]. */
function readTimestamp(s: string, i: number): [SyslogTime, number] {
  const m = TS.exec(s.slice(i, i + 40));
  if (!m) throw new SyslogError(`expecting a RFC3339MICRO timestamp or a nil value [col ${i}]`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dim = mo === 2 && leap(y) ? 29 : MONTH_DAYS[mo - 1];
  if (d > dim) throw new SyslogError(`parsing time "${m[0]}": day out of range [col ${i + m[0].length}]`);
  let ms = Date.UTC(y, mo - 1, d, Number(m[4]), Number(m[5]), Number(m[6]));
  if (y < 100) ms = new Date(ms).setUTCFullYear(y);
  if (m[9]) ms -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60) * 1000;
  const ns = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return [new SyslogTime(BigInt(ms) * 1_000_000n + ns), i + m[0].length];
}

/** A header field of 1..max graph characters ending at a space; returns [text, end]. */
function readField(s: string, i: number, max: number, what: string): [string, number] {
  let j = i;
  while (j < s.length && isGraph(s.charCodeAt(j))) j++;
  if (j === i || j - i > max) throw new SyslogError(`expecting ${what} [col ${Math.min(j, i + max)}]`);
  return [s.slice(i, j), j];
}

function expectSp(s: string, i: number): number {
  if (s.charCodeAt(i) !== 32) throw new SyslogError(`parsing error [col ${i}]`);
  return i + 1;
}

function readSdName(s: string, i: number, what: string): [string, number] {
  let j = i;
  while (j < s.length && isSdName(s.charCodeAt(j))) j++;
  if (j === i || j - i > 32) throw new SyslogError(`${what} [col ${j}]`);
  return [s.slice(i, j), j];
}

const ERR_SDID =
  'expecting a structured data element id (from 1 to max 32 US-ASCII characters; except `=`, ` `, `]`, and `"`';
const ERR_SDPARAM =
  'expecting a structured data parameter (`key="value"`, both part from 1 to max 32 US-ASCII characters; key cannot contain `=`, ` `, `]`, and `"`, while value cannot contain `]`, backslash, and `"` unless escaped)';

function readStructuredData(s: string, i: number): [Record<string, Record<string, string>>, number] {
  const sd: Record<string, Record<string, string>> = {};
  while (s[i] === '[') {
    const [id, j] = readSdName(s, i + 1, ERR_SDID);
    if (Object.hasOwn(sd, id)) throw new SyslogError(`duplicate structured data element id [col ${j}]`);
    const params: Record<string, string> = {};
    sd[id] = params;
    i = j;
    while (s[i] === ' ') {
      const [name, k] = readSdName(s, i + 1, ERR_SDPARAM);
      if (s[k] !== '=' || s[k + 1] !== '"') throw new SyslogError(`${ERR_SDPARAM} [col ${k}]`);
      let v = '';
      let p = k + 2;
      for (;;) {
        const c = s[p];
        if (c === undefined) throw new SyslogError(`${ERR_SDPARAM} [col ${p}]`);
        if (c === '"') break;
        if (c === ']') throw new SyslogError(`${ERR_SDPARAM} [col ${p}]`);
        if (c === '\\') {
          const n = s[p + 1];
          if (n !== '"' && n !== '\\' && n !== ']')
            throw new SyslogError(
              `expecting chars \`]\`, \`"\`, and \`\\\` to be escaped within param value [col ${p + 1}]`,
            );
          v += n;
          p += 2;
          continue;
        }
        // the longest run without a delimiter in one slice
        let q = p + 1;
        while (q < s.length && s[q] !== '"' && s[q] !== '\\' && s[q] !== ']') q++;
        v += s.slice(p, q);
        p = q;
      }
      params[name] = v;
      i = p + 1;
    }
    if (s[i] !== ']') throw new SyslogError(`${ERR_SDPARAM} [col ${i}]`);
    i++;
  }
  return [sd, i];
}

/** Parses one RFC 5424 message into the collector's map (timestamp as a SyslogTime). */
export function parseRfc5424(s: string, skipPri = false): Record<string, unknown> {
  const [pri, afterPri] = readPri(s);
  let i = afterPri;
  const vStart = i;
  while (i < s.length && i - vStart < 4 && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const ver = s.slice(vStart, i);
  if (!/^[1-9][0-9]{0,2}$/.test(ver))
    throw new SyslogError(`expecting a version value in the range 1-999 [col ${i}]`);
  i = expectSp(s, i);
  const out: Record<string, unknown> = {};
  if (s[i] === '-') i++;
  else {
    const [t, j] = readTimestamp(s, i);
    out.timestamp = t;
    i = j;
  }
  i = expectSp(s, i);
  let v: string;
  [v, i] = readField(s, i, 255, 'an hostname (from 1 to max 255 US-ASCII characters) or a nil value');
  if (v !== '-') out.hostname = v;
  i = expectSp(s, i);
  [v, i] = readField(s, i, 48, 'an app-name (from 1 to max 48 US-ASCII characters) or a nil value');
  if (v !== '-') out.appname = v;
  i = expectSp(s, i);
  [v, i] = readField(s, i, 128, 'a procid (from 1 to max 128 US-ASCII characters) or a nil value');
  if (v !== '-') out.proc_id = v;
  i = expectSp(s, i);
  [v, i] = readField(s, i, 32, 'a msgid (from 1 to max 32 US-ASCII characters) or a nil value');
  if (v !== '-') out.msg_id = v;
  i = expectSp(s, i);
  if (s[i] === '-') i++;
  else if (s[i] === '[') {
    const [sd, j] = readStructuredData(s, i);
    out.structured_data = sd;
    i = j;
  } else
    throw new SyslogError(
      `expecting a structured data section containing one or more elements (\`[id( key="value")*]+\`) or a nil value [col ${i}]`,
    );
  if (i < s.length) {
    i = expectSp(s, i);
    if (i < s.length) out.message = s.slice(i);
  }
  out.version = Number(ver);
  if (!skipPri) priFields(out, pri);
  return out;
}
