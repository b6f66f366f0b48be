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
import { priFields, readPri, SyslogError, SyslogTime } from './common.js';

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

/** Runs every reading of the tail at once (see the header comment). */
function parseTail(s: string, start: number): Fields {
  const f: Fields = {};
  let pb = start;
  // live readings: state and, for length-limited fields, how many characters so far
  let cur = new Map<number, number>([[St.Ts, 0]]);
  for (let p = start; p < s.length; p++) {
    const c = s.charCodeAt(p);
    const next = new Map<number, number>();
    let mark = false;
    const add = (st: St, n = 0) => {
      const had = next.get(st);
      if (had === undefined || n < had) next.set(st, n);
    };
    const beginMessage = () => {
      // a MSG reading (with or without TAG) or a HOSTNAME may start here
      if (isTagChar(c)) {
        add(St.Tag, 1);
        mark = true;
      }
      if (isVisible(c)) {
        add(St.Msg);
        mark = true;
      }
    };
    for (const [st, n] of cur) {
      switch (st) {
        case St.Ts:
          if (c === 32) add(St.Sp1);
          break;
        case St.Sp1:
          if (c === 32) add(St.Sp1);
          if (isHostChar(c)) {
            add(St.Host, 1);
            mark = true;
          }
          beginMessage();
          break;
        case St.Host:
          if (isHostChar(c) && n < 255) add(St.Host, n + 1);
          else if (c === 32) {
            f.hostname = s.slice(pb, p);
            add(St.Sp2);
          }
          break;
        case St.Sp2:
          if (c === 32) add(St.Sp2);
          beginMessage();
          break;
        case St.Tag:
          if (isTagChar(c) && n < 48) add(St.Tag, n + 1);
          else if (c === 91 /* [ */) {
            f.tag = s.slice(pb, p);
            add(St.PidOpen);
          } else if (c === 58 /* : */) {
            f.tag = s.slice(pb, p);
            add(St.Colon);
          }
          break;
        case St.PidOpen:
          if (isPidChar(c)) {
            add(St.Pid);
            mark = true;
          } else if (c === 93 /* ] */) {
            pb = p; // an empty PID marks where it (would have) started
            f.pid = '';
            add(St.PidClose);
          }
          break;
        case St.Pid:
          if (isPidChar(c)) add(St.Pid);
          else if (c === 93) {
            f.pid = s.slice(pb, p);
            add(St.PidClose);
          }
          break;
        case St.PidClose:
          if (c === 58) add(St.Colon);
          break;
        case St.Colon:
          if (c === 32) add(St.ColonSp);
          break;
        case St.ColonSp:
          if (isVisible(c)) {
            add(St.Msg);
            mark = true;
          }
          break;
        case St.Msg:
          if (isVisible(c)) add(St.Msg);
          else if (c === 10 /* \n */) {
            f.message = s.slice(pb, p);
            add(St.Nl);
          }
          break;
        case St.Nl:
          break;
      }
    }
    // fields read above used the mark from before this character; marks set here start new ones
    if (mark) pb = p;
    if (next.size === 0) {
      const what = cur.has(St.Ts)
        ? 'expecting a Stamp timestamp'
        : cur.has(St.Pid) || cur.has(St.PidOpen)
          ? 'expecting a content part composed by visible characters only'
          : 'parsing error';
      throw new SyslogError(`${what} [col ${p}]`);
    }
    cur = next;
  }
  if (cur.has(St.Msg)) f.message = s.slice(pb);
  else if (!cur.has(St.Nl)) throw new SyslogError(`parsing error [col ${s.length}]`);
  return f;
}

/** Parses one RFC 3164 message; the stamp is read in `location` (an IANA zone). */
export function parseRfc3164(s: string, location: string, skipPri = false): Record<string, unknown> {
  const [pri, afterPri] = readPri(s);
  let i = afterPri;
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
  out.timestamp = new SyslogTime(BigInt(wallClockToUtcMs(location, year, mo, d, h, mi, sec)) * 1_000_000n, {
    mo,
    d,
    h,
    mi,
    s: sec,
    loc: location,
  });
  if (tail.hostname !== undefined && tail.hostname !== '-') out.hostname = tail.hostname;
  if (tail.tag !== undefined && tail.tag !== '' && tail.tag !== '-') out.appname = tail.tag;
  if (tail.pid !== undefined && tail.pid !== '' && tail.pid !== '-') out.proc_id = tail.pid;
  if (tail.message) out.message = tail.message;
  if (!skipPri) priFields(out, pri);
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
