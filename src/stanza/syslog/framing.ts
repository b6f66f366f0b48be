// RFC 6587 framings as the collector's syslog parser reads them from one
// entry: octet counting ("LEN SP MSG", go-syslog's octetcounting parser) and
// non-transparent framing (messages ended by LF or NUL; go-syslog's
// nontransparent parser). Several messages in one entry: the last one wins,
// as go-syslog's listener keeps only the last result.
import { SyslogError } from './common.js';

/** Default and RFC 5425 maximum frame size (go-syslog DefaultMaxSize). */
export const DEFAULT_MAX_OCTETS = 8192;

/**
 * Splits octet-counted frames out of `s` and returns the last MSG.
 * `lenient`: a frame shorter than its length is taken as it is (the
 * receiver's frames are complete by construction and only lost trailing
 * whitespace to trimming).
 */
export function lastOctetFrame(s: string, maxOctets: number, lenient: boolean): string {
  // byte offsets are string offsets when the text is ASCII (the common case: no copy)
  const buf = Buffer.byteLength(s, 'utf8') === s.length ? undefined : Buffer.from(s, 'utf8');
  const len = buf ? buf.length : s.length;
  const text = (a: number, b: number) => (buf ? buf.toString('utf8', a, b) : s.slice(a, b));
  const at = (k: number) => (buf ? buf[k] : s.charCodeAt(k));
  let i = 0;
  let last: string | undefined;
  while (i < len) {
    let j = i;
    while (j < len && at(j) >= 48 && at(j) <= 57) j++;
    const digits = text(i, j);
    if (digits === '' || j - i > 19)
      throw new SyslogError(`found ILLEGAL(${text(i, i + 1)}), expecting a MSGLEN`);
    const n = Number(digits);
    if (n > maxOctets) throw new SyslogError(`message length (${n}) exceeds maximum length (${maxOctets})`);
    if (at(j) !== 32) throw new SyslogError(`found ILLEGAL(${text(j, j + 1)}), expecting a WS`);
    const start = j + 1;
    if (n === 0 || at(start) !== 60 /* < */)
      throw new SyslogError(
        `found ILLEGAL(${text(start, start + 1)}) after "${text(start, start + 1)}", expecting a SYSLOGMSG containing ${n} octets`,
      );
    if (start + n > len) {
      if (!lenient)
        throw new SyslogError(
          `found EOF after "${text(start, len)}", expecting a SYSLOGMSG containing ${n} octets`,
        );
      return text(start, len);
    }
    last = text(start, start + n);
    i = start + n;
    if (at(i) === 10) i++; // a LF between frames is tolerated
  }
  if (last === undefined) throw new SyslogError('found EOF, expecting a MSGLEN');
  return last;
}

/** The last message of a non-transparent framed entry (`trailer` "\n" or "\0"; a final message may lack it). */
export function lastNonTransparent(s: string, trailer: string): string {
  let end = s.length;
  if (s.endsWith(trailer)) end--;
  const prev = s.lastIndexOf(trailer, end - 1);
  const msg = s.slice(prev + 1, end);
  if (msg === '') throw new SyslogError('found EOF, expecting a syslog message');
  return msg;
}
