// RFC 3164 (BSD) syslog messages, with go-syslog's rfc3164 machine rules as
// the collector runs it (no RFC 3339 stamps, no second fractions, no Cisco
// sequence numbers):
//
//   <PRI> SP* Mmm dd hh:mm:ss SP+ (HOSTNAME SP+)? ((TAG ("[" PID "]")? ":" SP)? MSG) "\n"?
//
// The grammar is ambiguous (is the first word a hostname or the message?),
// and go-syslog's state machine runs every reading at once, firing each
// reading's actions as it goes; a field is set as soon as any reading gets
// past it, and MSG starts at the last place any reading marked. The tail
// after the timestamp is simulated the same way here, so that odd lines
// ("app[12 x", "host a:b") give the collector's fields, not a tidier guess.
// MSG holds printable characters only (0x20-0x7E, or non-ASCII): a tab or
// control character makes the whole message invalid, as in go-syslog.
import { wallClockToUtcMs } from '../time.js';
import { type Direct, priEnd, priFields, readPri, SyslogError, SyslogTime } from './common.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// year 0 (what Go parses a Stamp into) is a leap year: Feb 29 is valid here
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const STAMP =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( [1-9]|0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])/;

const isPrint = (c: number) => c >= 32 && c <= 126;
const isVisible = (c: number) => isPrint(c) || c >= 128;
const isHostChar = (c: number) => c >= 33 && c <= 126 && c !== 58; /* : */
const isTagChar = (c: number) => isPrint(c) && c !== 32 && c !== 58 && c !== 91; /* space : [ */
const isPidChar = (c: number) => isPrint(c) && c !== 32 && c !== 91 && c !== 93; /* space [ ] */

// reading states of the tail (after the timestamp)
enum St {
  Ts, // after the stamp, expecting the first space
  Sp1, // in the spaces after the stamp
  Host, // in HOSTNAME
  Sp2, // in the spaces after HOSTNAME
  Tag, // in TAG
  PidOpen, // after "[" (PID may be empty)
  Pid, // in PID
  PidClose, // after "]"
  Colon, // after ":"
  ColonSp, // after ": "
  Msg, // in MSG
  Nl, // after the final "\n"
}

interface Fields {
  hostname?: string;
  tag?: string;
  pid?: string;
  message?: string;
}

const bit = (st: St) => 1 << st;

/**
 * Runs every reading of the tail at once (see the header comment). The live
 * readings are a bit set of states; HOSTNAME and TAG each have one length
 * counter, as two readings cannot be inside either with different lengths
 * (both start right after a space and end at the next one).
 */
function parseTail(s: string, start: number): Fields {
  const f: Fields = {};
  let pb = start;
  let cur = bit(St.Ts);
  let hostLen = 0;
  let tagLen = 0;
  for (let p = start; p < s.length; p++) {
    const c = s.charCodeAt(p);
    let next = 0;
    let nextHost = 0;
    let nextTag = 0;
    let mark = false;
    const visible = isVisible(c);
    const tagChar = isTagChar(c);
    if (cur & bit(St.Ts) && c === 32) next |= bit(St.Sp1);
    if (cur & (bit(St.Sp1) | bit(St.Sp2))) {
      // spaces go on; a HOSTNAME (after the stamp only) or a MSG reading may start here
      if (c === 32) next |= cur & (bit(St.Sp1) | bit(St.Sp2));
      if (cur & bit(St.Sp1) && isHostChar(c)) {
        next |= bit(St.Host);
        nextHost = 1;
        mark = true;
      }
      if (tagChar) {
        next |= bit(St.Tag);
        nextTag = 1;
        mark = true;
      }
      if (visible) {
        next |= bit(St.Msg);
        mark = true;
      }
    }
    if (cur & bit(St.Host)) {
      if (isHostChar(c) && hostLen < 255) {
        next |= bit(St.Host);
        nextHost = hostLen + 1;
      } else if (c === 32) {
        f.hostname = s.slice(pb, p);
        next |= bit(St.Sp2);
      }
    }
    if (cur & bit(St.Tag)) {
      if (tagChar && tagLen < 48) {
        next |= bit(St.Tag);
        if (nextTag === 0) nextTag = tagLen + 1;
      } else if (c === 91 /* [ */) {
        f.tag = s.slice(pb, p);
        next |= bit(St.PidOpen);
      } else if (c === 58 /* : */) {
        f.tag = s.slice(pb, p);
        next |= bit(St.Colon);
      }
    }
    if (cur & bit(St.PidOpen)) {
      if (isPidChar(c)) {
        next |= bit(St.Pid);
        mark = true;
      } else if (c === 93 /* ] */) {
        pb = p; // an empty PID marks where it (would have) started
        f.pid = '';
        next |= bit(St.PidClose);
      }
    }
    if (cur & bit(St.Pid)) {
      if (isPidChar(c)) next |= bit(St.Pid);
      else if (c === 93) {
        f.pid = s.slice(pb, p);
        next |= bit(St.PidClose);
      }
    }
    if (cur & bit(St.PidClose) && c === 58) next |= bit(St.Colon);
    if (cur & bit(St.Colon) && c === 32) next |= bit(St.ColonSp);
    if (cur & bit(St.ColonSp) && visible) {
      next |= bit(St.Msg);
      mark = true;
    }
    if (cur & bit(St.Msg)) {
      if (visible) next |= bit(St.Msg);
      else if (c === 10 /* \n */) {
        f.message = s.slice(pb, p);
        next |= bit(St.Nl);
      }
    }
    // fields read above used the mark from before this character; marks set here start new ones
    if (mark) pb = p;
    if (next === 0) {
      const what =
        cur & bit(St.Ts)
          ? 'expecting a Stamp timestamp'
          : cur & (bit(St.Pid) | bit(St.PidOpen))
            ? 'expecting a content part composed by visible characters only'
            : 'parsing error';
      throw new SyslogError(`${what} [col ${p}]`);
    }
    cur = next;
    hostLen = nextHost;
    tagLen = nextTag;
    // only MSG is left: the rest is one slice (a fast path for long messages)
    if (cur === bit(St.Msg)) {
      let q = p + 1;
      while (q < s.length && isVisible(s.charCodeAt(q))) q++;
      if (q === s.length) break;
      if (s.charCodeAt(q) === 10 && q === s.length - 1) {
        f.message = s.slice(pb, q);
        return f;
      }
      throw new SyslogError(`parsing error [col ${q}]`);
    }
  }
  if (cur & bit(St.Msg)) f.message = s.slice(pb);
  else if (!(cur & bit(St.Nl))) throw new SyslogError(`parsing error [col ${s.length}]`);
  return f;
}

/** Parses one RFC 3164 message; the stamp is read in `location` (an IANA zone). */
export function parseRfc3164(
  s: string,
  location: string,
  skipPri = false,
  direct?: Direct,
): Record<string, unknown> {
  const pri = readPri(s);
  let i = priEnd;
  while (s.charCodeAt(i) === 32) i++;
  const m = STAMP.exec(s.slice(i, i + 15));
  if (!m) throw new SyslogError(`expecting a Stamp timestamp [col ${i}]`);
  const mo = MONTHS.indexOf(m[1]) + 1;
  const d = Number(m[2]);
  if (d > MONTH_DAYS[mo - 1])
    throw new SyslogError(`parsing time "${m[0]}" as "Jan _2 15:04:05": day out of range [col ${i + 15}]`);
  const [h, mi, sec] = [Number(m[3]), Number(m[4]), Number(m[5])];
  const tail = parseTail(s, i + 15);
  const out: Record<string, unknown> = {};
  const year = new Date().getUTCFullYear();
  const time = new SyslogTime(BigInt(wallClockToUtcMs(location, year, mo, d, h, mi, sec)) * 1_000_000n, {
    mo,
    d,
    h,
    mi,
    s: sec,
    loc: location,
  });
  if (direct) direct.time = time;
  else out.timestamp = time;
  if (tail.hostname !== undefined && tail.hostname !== '-') out.hostname = tail.hostname;
  if (tail.tag !== undefined && tail.tag !== '' && tail.tag !== '-') out.appname = tail.tag;
  if (tail.pid !== undefined && tail.pid !== '' && tail.pid !== '-') out.proc_id = tail.pid;
  if (tail.message) out.message = tail.message;
  if (!skipPri) priFields(out, pri, direct);
  return out;
}

/**
 * The collector's setTimestampYear for a yearless stamp: this year in its
 * zone, or last year if that would be more than 7 days in the future.
 */
export function completeYear(t: SyslogTime, nowMs = Date.now()): bigint {
  const y = t.yearless;
  if (!y) return t.nanos;
  const year = new Date(nowMs).getUTCFullYear();
  let ms = wallClockToUtcMs(y.loc, year, y.mo, y.d, y.h, y.mi, y.s);
  if (ms > nowMs + 7 * 86_400_000) ms = wallClockToUtcMs(y.loc, year - 1, y.mo, y.d, y.h, y.mi, y.s);
  return BigInt(ms) * 1_000_000n;
}
