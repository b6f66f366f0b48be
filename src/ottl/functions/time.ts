// Time parsing and formatting with the collector's ctime-like directives
// (%Y %m %d %H %M %S %L %f %s %z %Z %b %B %a %A %p ...; see the Time and
// FormatTime converters in the ottlfuncs README). A format is compiled once
// into a regular expression and a list of field setters.
import { fail } from '../errors.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Offsets (minutes) of the zone abbreviations Go resolves without a location database. */
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  HST: -600,
  AKST: -540,
  AKDT: -480,
  CET: 60,
  CEST: 120,
  BST: 60,
  IST: 330,
  JST: 540,
};

const EXPAND: Record<string, string> = {
  D: '%m/%d/%y',
  x: '%m/%d/%y',
  F: '%Y-%m-%d',
  T: '%H:%M:%S',
  X: '%H:%M:%S',
  r: '%I:%M:%S %p',
  R: '%H:%M',
  c: '%a %b %d %H:%M:%S %Y',
};

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  pm?: boolean;
  offsetMin?: number;
}

type Apply = (f: Fields, s: string) => void;

function expand(format: string): string {
  return format.replace(/%([DxFTXrRc])/g, (_m, d: string) => EXPAND[d]);
}

const num =
  (key: keyof Fields): Apply =>
  (f, s) => {
    (f as unknown as Record<string, number>)[key] = Number(s.trim());
  };

const nameIndex =
  (names: string[], abbr: boolean): ((s: string) => number) =>
  (s) => {
    const i = names.findIndex((n) => (abbr ? n.slice(0, 3) : n).toLowerCase() === s.toLowerCase());
    if (i < 0) fail(`unknown name "${s}"`);
    return i;
  };

function offset(s: string): number {
  if (s === 'Z' || s === 'z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)?:?(\d\d)?$/.exec(s);
  if (!m) return fail(`invalid UTC offset "${s}"`);
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0) / 60;
  return m[1] === '-' ? -v : v;
}

export interface TimeParser {
  parse(input: string): bigint;
}

export function compileTimeParser(format: string, location?: string): TimeParser {
  const fmt = expand(format);
  let re = '^';
  const apply: Apply[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%') {
      re += /\s/.test(ch) ? '\\s+' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      continue;
    }
    const d = fmt[++i];
    const add = (pattern: string, fn: Apply) => {
      re += `(${pattern})`;
      apply.push(fn);
    };
    switch (d) {
      case 'Y':
        add('\\d{4}', num('year'));
        break;
      case 'y':
        add('\\d{2}', (f, s) => {
          const n = Number(s);
          f.year = n >= 69 ? 1900 + n : 2000 + n;
        });
        break;
      case 'm':
        add('\\d{2}', num('month'));
        break;
      case 'o':
        add(' ?\\d{1,2}', num('month'));
        break;
      case 'q':
        add('\\d{1,2}', num('month'));
        break;
      case 'b':
      case 'h':
        add('[A-Za-z]{3}', (f, s) => {
          f.month = nameIndex(MONTHS, true)(s) + 1;
        });
        break;
      case 'B':
        add('[A-Za-z]+', (f, s) => {
          f.month = nameIndex(MONTHS, false)(s) + 1;
        });
        break;
      case 'd':
        add('\\d{2}', num('day'));
        break;
      case 'e':
        add(' ?\\d{1,2}', num('day'));
        break;
      case 'g':
        add('\\d{1,2}', num('day'));
        break;
      case 'a':
        add('[A-Za-z]{3}', (_f, s) => void nameIndex(DAYS, true)(s));
        break;
      case 'A':
        add('[A-Za-z]+', (_f, s) => void nameIndex(DAYS, false)(s));
        break;
      case 'H':
        add('\\d{2}', num('hour'));
        break;
      case 'I':
        add('\\d{2}', num('hour'));
        break;
      case 'l':
        add(' ?\\d{1,2}', num('hour'));
        break;
      case 'p':
      case 'P':
        add('[AaPp]\\.?[Mm]\\.?', (f, s) => {
          f.pm = s[0].toLowerCase() === 'p';
        });
        break;
      case 'M':
        add('\\d{2}', num('minute'));
        break;
      case 'S':
        add('\\d{2}', num('second'));
        break;
      case 'L':
        add('\\d{3}', (f, s) => {
          f.nanos = Number(s) * 1e6;
        });
        break;
      case 'f':
        add('\\d{6}', (f, s) => {
          f.nanos = Number(s) * 1e3;
        });
        break;
      case 's':
        add('\\d{9}', (f, s) => {
          f.nanos = Number(s);
        });
        break;
      case 'z':
        add('Z|[+-]\\d{4}(?:\\d\\d)?', (f, s) => {
          f.offsetMin = offset(s);
        });
        break;
      case 'i':
        add('[+-]\\d{2}', (f, s) => {
          f.offsetMin = offset(s);
        });
        break;
      case 'j':
        add('[+-]\\d{2}:\\d{2}', (f, s) => {
          f.offsetMin = offset(s);
        });
        break;
      case 'k':
        add('[+-]\\d{2}:\\d{2}:\\d{2}', (f, s) => {
          f.offsetMin = offset(s);
        });
        break;
      case 'w':
        add('[+-]\\d{6}', (f, s) => {
          f.offsetMin = offset(s);
        });
        break;
      case 'Z':
        add('[A-Za-z]{1,5}', (f, s) => {
          const z = ZONES[s.toUpperCase()];
          if (z === undefined) fail(`unknown time zone abbreviation "${s}"`);
          if (f.offsetMin === undefined) f.offsetMin = z;
        });
        break;
      case 'n':
        re += '\\n';
        break;
      case 't':
        re += '\\t';
        break;
      case '%':
        re += '%';
        break;
      default:
        throw new Error(`unsupported directive %${d ?? ''} in time format ${JSON.stringify(format)}`);
    }
  }
  const rx = new RegExp(`${re}$`);
  if (location !== undefined && location !== '' && location !== 'UTC' && location !== 'Local')
    zoneOffset(location, 0);
  return {
    parse(input: string): bigint {
      const m = rx.exec(input);
      if (!m) return fail(`unable to parse ${JSON.stringify(input)} with format ${JSON.stringify(format)}`);
      const f: Fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0 };
      for (let i = 0; i < apply.length; i++) apply[i](f, m[i + 1]);
      if (f.pm !== undefined) {
        if (f.hour === 12) f.hour = f.pm ? 12 : 0;
        else if (f.pm) f.hour += 12;
      }
      if (
        f.month < 1 ||
        f.month > 12 ||
        f.day < 1 ||
        f.day > 31 ||
        f.hour > 23 ||
        f.minute > 59 ||
        f.second > 60
      )
        return fail(`unable to parse ${JSON.stringify(input)}: a field is out of range`);
      const date = new Date(0);
      date.setUTCFullYear(f.year, f.month - 1, f.day); // Date.UTC would read years 0-99 as 19xx
      date.setUTCHours(f.hour, f.minute, f.second, 0);
      const wall = date.getTime();
      let off = f.offsetMin;
      if (off === undefined && location && location !== 'UTC') off = zoneOffset(location, wall);
      const ms = wall - (off ?? 0) * 60_000;
      return BigInt(ms) * 1_000_000n + BigInt(f.nanos);
    },
  };
}

/** UTC offset in minutes of an IANA zone at (roughly) the given wall-clock time. */
function zoneOffset(zone: string, wallMs: number): number {
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new Error(`unknown time zone location ${JSON.stringify(zone)}`);
  }
  const at = (ms: number) => {
    const p = Object.fromEntries(dtf.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    const asUtc = Date.UTC(
      Number(p.year),
      Number(p.month) - 1,
      Number(p.day),
      Number(p.hour),
      Number(p.minute),
      Number(p.second),
    );
    return (asUtc - ms) / 60_000;
  };
  const first = at(wallMs);
  return at(wallMs - first * 60_000);
}

const pad = (n: number, w: number, c = '0') => String(n).padStart(w, c);

export function formatTime(ns: bigint, format: string): string {
  const fmt = expand(format);
  const ms = Number(ns / 1_000_000n);
  const nanos = Number(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
  const d = new Date(ms);
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const c = fmt[++i];
    const h = d.getUTCHours();
    const h12 = h % 12 === 0 ? 12 : h % 12;
    switch (c) {
      case 'Y':
        out += pad(d.getUTCFullYear(), 4);
        break;
      case 'y':
        out += pad(d.getUTCFullYear() % 100, 2);
        break;
      case 'm':
        out += pad(d.getUTCMonth() + 1, 2);
        break;
      case 'o':
        out += pad(d.getUTCMonth() + 1, 2, ' ');
        break;
      case 'q':
        out += String(d.getUTCMonth() + 1);
        break;
      case 'b':
      case 'h':
        out += MONTHS[d.getUTCMonth()].slice(0, 3);
        break;
      case 'B':
        out += MONTHS[d.getUTCMonth()];
        break;
      case 'd':
        out += pad(d.getUTCDate(), 2);
        break;
      case 'e':
        out += pad(d.getUTCDate(), 2, ' ');
        break;
      case 'g':
        out += String(d.getUTCDate());
        break;
      case 'a':
        out += DAYS[d.getUTCDay()].slice(0, 3);
        break;
      case 'A':
        out += DAYS[d.getUTCDay()];
        break;
      case 'H':
        out += pad(h, 2);
        break;
      case 'I':
        out += pad(h12, 2);
        break;
      case 'l':
        out += String(h12);
        break;
      case 'p':
        out += h < 12 ? 'AM' : 'PM';
        break;
      case 'P':
        out += h < 12 ? 'am' : 'pm';
        break;
      case 'M':
        out += pad(d.getUTCMinutes(), 2);
        break;
      case 'S':
        out += pad(d.getUTCSeconds(), 2);
        break;
      case 'L':
        out += pad(Math.floor(nanos / 1e6), 3);
        break;
      case 'f':
        out += pad(Math.floor(nanos / 1e3), 6);
        break;
      case 's':
        out += pad(nanos, 9);
        break;
      case 'z':
        out += '+0000';
        break;
      case 'Z':
        out += 'UTC';
        break;
      case 'i':
        out += '+00';
        break;
      case 'j':
        out += '+00:00';
        break;
      case 'k':
        out += '+00:00:00';
        break;
      case 'w':
        out += '+000000';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '%':
        out += '%';
        break;
      default:
        throw new Error(`unsupported directive %${c ?? ''} in time format ${JSON.stringify(format)}`);
    }
  }
  return out;
}

/** Go's time.ParseDuration ("1h30m", "300ms", "-1.5h", "2us"). */
export function parseGoDuration(s: string): bigint {
  const units: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return fail(`time: invalid duration "${s}"`);
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/; // µs (micro sign, Greek mu) as escapes: ASCII-only bundle
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m) return fail(`time: invalid duration "${s}"`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return BigInt(Math.round(neg ? -total : total));
}
