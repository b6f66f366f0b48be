// What the RFC 5424 and RFC 3164 parsers share: their error type, PRI
// decoding, the facility keywords and severity mapping the collector uses
// (go-syslog's FacilityKeywords; stanza's syslog severityMapping/severityText).

/** A message the syslog grammar refuses (the text mirrors go-syslog's, with the 0-based column). */
export class SyslogError extends Error {}

/** RFC 5427 facility keywords, as go-syslog's FacilityLevel() gives them. */
export const FACILITY_KEYWORDS = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'cron2',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/** Syslog severity 0..7 → OTel severity number (emerg → FATAL … debug → DEBUG). */
export const SEVERITY_NUMBER = [21, 19, 18, 17, 13, 10, 9, 5] as const;
/** Syslog severity 0..7 → the severity text the collector sets. */
export const SEVERITY_TEXT = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/**
 * A timestamp a syslog parser read, handed to the parser's time step
 * (the collector's "native" layout). An RFC 3164 stamp has no year: it is
 * completed when the time step runs (setTimestampYear).
 */
export class SyslogTime {
  constructor(
    /** Unix nanoseconds (for a yearless stamp: in the current year, before the 7-day rule). */
    readonly nanos: bigint,
    readonly yearless?: {
      mo: number;
      d: number;
      h: number;
      mi: number;
      s: number;
      loc: string;
    },
  ) {}

  toString(): string {
    return new Date(Number(this.nanos / 1_000_000n)).toISOString();
  }
}

/** The index after the `>` of the PRI readPri() read last. */
export let priEnd = 0;

/** Reads `<PRIVAL>` at 0 (0-191, no leading zero); returns the value (the index after `>` is priEnd). */
export function readPri(s: string): number {
  if (s.charCodeAt(0) !== 60)
    throw new SyslogError('expecting a priority value within angle brackets [col 0]');
  let j = 1;
  let v = 0;
  for (; j <= 4; j++) {
    const c = s.charCodeAt(j) - 48;
    if (!(c >= 0 && c <= 9)) break;
    v = v * 10 + c;
  }
  const n = j - 1;
  if (n === 0 || n > 3 || v > 191 || (n > 1 && s.charCodeAt(1) === 48))
    throw new SyslogError(`expecting a priority value in the range 1-191 or equal to 0 [col ${j}]`);
  if (s.charCodeAt(j) !== 62)
    throw new SyslogError(`expecting a priority value within angle brackets [col ${j}]`);
  priEnd = j + 1;
  return v;
}

/**
 * Where a parser may put the timestamp and severity instead of the map (the
 * syslog parser's fast path: it would move them out of the map right away).
 */
export interface Direct {
  time?: SyslogTime;
  severity?: number;
}

/** The PRI-derived fields (priority, severity, facility, facility_text). */
export function priFields(out: Record<string, unknown>, pri: number, direct?: Direct): void {
  out.priority = pri;
  if (direct) direct.severity = pri & 7;
  else out.severity = pri & 7;
  out.facility = pri >> 3;
  out.facility_text = FACILITY_KEYWORDS[pri >> 3];
}
