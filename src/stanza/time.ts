// Timestamp parsing (stanza `timestamp` block and time_parser): strptime
// (`%Y-%m-%d %H:%M:%S.%f %z`), Go layouts (`2006-01-02T15:04:05.999Z07:00`)
// and epoch (s, ms, us, ns, s.ms, s.us, s.ns). A layout is compiled once into
// a regex plus field setters. Without a zone in the value, `location` (IANA
// name; default: the host's local zone) gives the offset.
import { z } from 'zod';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
import { type Field, getField, parseField } from './field.js';
import { parseRfc3339Nano } from './rfc3339.js';

export const timeSchema = z.strictObject({
  parse_from: z.string(),
  layout_type: z.enum(['strptime', 'gotime', 'epoch']).default('strptime'),
  layout: z.string(),
  location: z.string().optional(),
  preserve_to: z.string().optional(),
});
export type TimeConfig = z.output<typeof timeSchema>;

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ns: number;
  pm: number; // 0 none, 1 am, 2 pm
  off: number | undefined; // seconds east of UTC
  epoch: number | undefined; // %s
}
type Setter = (p: Parts, v: string) => void;
interface Tok {
  re: string;
  set?: Setter;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const num =
  (k: keyof Parts): Setter =>
  (p, v) => {
    (p as unknown as Record<string, number>)[k] = Number(v);
  };
const month: Setter = (p, v) => {
  p.mo = MONTHS.indexOf(v.slice(0, 3).toLowerCase()) + 1;
};
const frac: Setter = (p, v) => {
  p.ns = Number(v.replace(/^[.,]/, '').padEnd(9, '0').slice(0, 9));
};
const ampm: Setter = (p, v) => {
  p.pm = v.toLowerCase() === 'pm' ? 2 : 1;
};
const zone: Setter = (p, v) => {
  if (v === 'Z' || v === 'z') {
    p.off = 0;
    return;
  }
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(v);
  if (m) p.off = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60);
};
const zoneName: Setter = (p, v) => {
  if (v === 'UTC' || v === 'GMT' || v === 'Z') p.off = 0;
};
const MONTH_RE = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const MONTH_LONG_RE =
  '(January|February|March|April|May|June|July|August|September|October|November|December)';
const DAY_RE = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const DAY_LONG_RE = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const ZONE_RE = '(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2})';

const STRPTIME: Record<string, Tok | string> = {
  Y: { re: '(\\d{4})', set: num('y') },
  y: { re: '(\\d{2})', set: (p, v) => (p.y = 2000 + Number(v)) },
  m: { re: '(\\d{1,2})', set: num('mo') },
  d: { re: '(\\d{1,2})', set: num('d') },
  e: { re: ' ?(\\d{1,2})', set: num('d') },
  H: { re: '(\\d{1,2})', set: num('h') },
  I: { re: '(\\d{1,2})', set: num('h') },
  M: { re: '(\\d{2})', set: num('mi') },
  S: { re: '(\\d{2})', set: num('s') },
  L: { re: '(\\d{3})', set: frac },
  f: { re: '(\\d{1,9})', set: frac },
  s: { re: '(\\d+)', set: num('epoch') },
  z: { re: ZONE_RE, set: zone },
  Z: { re: '([A-Za-z]{1,5})', set: zoneName },
  b: { re: MONTH_RE, set: month },
  h: { re: MONTH_RE, set: month },
  B: { re: MONTH_LONG_RE, set: month },
  a: { re: DAY_RE },
  A: { re: DAY_LONG_RE },
  p: { re: '(AM|PM|am|pm)', set: ampm },
  j: { re: '\\d{3}' },
  F: '%Y-%m-%d',
  T: '%H:%M:%S',
  D: '%m/%d/%y',
  R: '%H:%M',
  c: '%a %b %e %H:%M:%S %Y',
  '%': { re: '%' },
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compileStrptime(layout: string): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < layout.length; i++) {
    if (layout[i] !== '%' || i + 1 >= layout.length) {
      out.push({ re: escapeRe(layout[i]) });
      continue;
    }
    const d = STRPTIME[layout[++i]];
    if (d === undefined) throw new EntryError(`unsupported strptime directive %${layout[i]}`);
    if (typeof d === 'string') out.push(...compileStrptime(d));
    else out.push(d);
  }
  return out;
}

// Go reference-time tokens, longest first.
const GOTIME: [string, Tok][] = [
  ['January', { re: MONTH_LONG_RE, set: month }],
  ['Monday', { re: DAY_LONG_RE }],
  ['Z07:00', { re: ZONE_RE, set: zone }],
  ['-07:00', { re: ZONE_RE, set: zone }],
  ['Z0700', { re: ZONE_RE, set: zone }],
  ['-0700', { re: ZONE_RE, set: zone }],
  ['2006', { re: '(\\d{4})', set: num('y') }],
  ['Jan', { re: MONTH_RE, set: month }],
  ['Mon', { re: DAY_RE }],
  ['MST', { re: '([A-Za-z]{1,5})', set: zoneName }],
  ['-07', { re: ZONE_RE, set: zone }],
  ['002', { re: '\\d{3}' }],
  ['_2', { re: ' ?(\\d{1,2})', set: num('d') }],
  ['01', { re: '(\\d{2})', set: num('mo') }],
  ['02', { re: '(\\d{2})', set: num('d') }],
  ['15', { re: '(\\d{2})', set: num('h') }],
  ['03', { re: '(\\d{2})', set: num('h') }],
  ['04', { re: '(\\d{2})', set: num('mi') }],
  ['05', { re: '(\\d{2})', set: num('s') }],
  ['06', { re: '(\\d{2})', set: (p, v) => (p.y = 2000 + Number(v)) }],
  ['PM', { re: '(AM|PM)', set: ampm }],
  ['pm', { re: '(am|pm)', set: ampm }],
  ['1', { re: '(\\d{1,2})', set: num('mo') }],
  ['2', { re: '(\\d{1,2})', set: num('d') }],
  ['3', { re: '(\\d{1,2})', set: num('h') }],
  ['4', { re: '(\\d{1,2})', set: num('mi') }],
  ['5', { re: '(\\d{1,2})', set: num('s') }],
];

function compileGotime(layout: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  outer: while (i < layout.length) {
    // fractional seconds: .000 / .999 / ,000 (9s are optional digits)
    const fm = /^[.,](0+|9+)/.exec(layout.slice(i));
    if (fm && (i === 0 || /\d/.test(layout[i - 1]) || true)) {
      const n = fm[1].length;
      out.push({
        re: fm[1][0] === '9' ? `((?:[.,]\\d{1,${n}})?)` : `([.,]\\d{${n}})`,
        set: (p, v) => v && frac(p, v),
      });
      i += fm[0].length;
      continue;
    }
    for (const [k, tok] of GOTIME) {
      if (layout.startsWith(k, i)) {
        out.push(tok);
        i += k.length;
        continue outer;
      }
    }
    out.push({ re: escapeRe(layout[i]) });
    i++;
  }
  return out;
}

const tzCache = new Map<string, Intl.DateTimeFormat>();
/** Offset (seconds east of UTC) of an IANA zone at the given wall-clock time. */
function zoneOffset(tz: string, utcGuessMs: number): number {
  let f = tzCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    tzCache.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcGuessMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(utcGuessMs / 1000) * 1000) / 1000);
}

/**
 * The UTC milliseconds of a wall-clock time in an IANA zone (`UTC` fast path);
 * throws a RangeError for an unknown zone name. Months are 1-based; values out
 * of range roll over as Date.UTC does (Feb 29 in a common year is Mar 1, as Go's time.Date).
 */
export function wallClockToUtcMs(
  loc: string,
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): number {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (loc === 'UTC') return ms;
  // zone offsets change on the hour at most (in practice): cached per wall-clock hour
  const hourMs = ms - (ms % 3_600_000);
  const key = `${loc}|${hourMs}`;
  let off = wallOffsets.get(key);
  if (off === undefined) {
    off = zoneOffset(loc, hourMs - zoneOffset(loc, hourMs) * 1000);
    if (wallOffsets.size >= 4096) wallOffsets.clear();
    wallOffsets.set(key, off);
  }
  return ms - off * 1000;
}
const wallOffsets = new Map<string, number>();

/** Whether `loc` names a time zone this Node knows (IANA database). */
export function isKnownZone(loc: string): boolean {
  try {
    zoneOffset(loc, Date.now());
    return true;
  } catch {
    return false;
  }
}

export type TimeFn = (v: unknown) => bigint;

/** Compiles a layout into a function value → Unix nanos (throws if the value does not match). */
export function compileTime(cfg: Pick<TimeConfig, 'layout_type' | 'layout' | 'location'>): TimeFn {
  if (cfg.location) zoneOffset(cfg.location, Date.now()); // validates the zone name early
  if (cfg.layout_type === 'epoch') return compileEpoch(cfg.layout);
  if (cfg.layout_type === 'gotime' && /^2006-01-02T15:04:05(\.9+)?Z07:00$/.test(cfg.layout)) {
    return (v) => {
      const t = typeof v === 'string' ? parseRfc3339Nano(v) : undefined;
      if (t === undefined) throw new EntryError(`time "${String(v)}" does not match layout ${cfg.layout}`);
      return t;
    };
  }
  const toks = cfg.layout_type === 'gotime' ? compileGotime(cfg.layout) : compileStrptime(cfg.layout);
  const re = new RegExp(`^${toks.map((t) => t.re).join('')}$`);
  const setters = toks.filter((t) => t.re.startsWith('(') || t.re.startsWith(' ?(')).map((t) => t.set);
  const loc = cfg.location;
  return (v) => {
    const s = typeof v === 'string' ? v : String(v);
    const m = re.exec(s);
    if (!m) throw new EntryError(`time "${s}" does not match layout "${cfg.layout}"`);
    const p: Parts = { y: 0, mo: 1, d: 1, h: 0, mi: 0, s: 0, ns: 0, pm: 0, off: undefined, epoch: undefined };
    let noYear = true;
    for (let i = 0; i < setters.length; i++) {
      const set = setters[i];
      if (set) {
        set(p, m[i + 1]);
        if (p.y !== 0) noYear = false;
      }
    }
    if (p.epoch !== undefined) return BigInt(p.epoch) * 1_000_000_000n + BigInt(p.ns);
    if (noYear) p.y = new Date().getUTCFullYear();
    if (p.pm === 2 && p.h < 12) p.h += 12;
    if (p.pm === 1 && p.h === 12) p.h = 0;
    let ms = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
    if (p.off !== undefined) ms -= p.off * 1000;
    else if (loc && loc !== 'UTC') ms -= zoneOffset(loc, ms - zoneOffset(loc, ms) * 1000) * 1000;
    else if (!loc) ms = new Date(p.y, p.mo - 1, p.d, p.h, p.mi, p.s).getTime();
    return BigInt(ms) * 1_000_000n + BigInt(p.ns);
  };
}

function compileEpoch(layout: string): TimeFn {
  const scale: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n };
  if (scale[layout] !== undefined) {
    const k = scale[layout];
    return (v) => {
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new EntryError(`invalid epoch ${v}`);
        return Number.isInteger(v) ? BigInt(v) * k : BigInt(Math.round(v * Number(k)));
      }
      if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v) * k;
      if (typeof v === 'string' && /^\d+\.\d+$/.test(v)) return BigInt(Math.round(Number(v) * Number(k)));
      throw new EntryError(`invalid epoch "${String(v)}"`);
    };
  }
  const m = /^s\.(ms|us|ns)$/.exec(layout);
  if (!m) throw new EntryError(`unsupported epoch layout "${layout}" (s, ms, us, ns, s.ms, s.us, s.ns)`);
  return (v) => {
    const s = typeof v === 'number' ? v.toFixed(9) : String(v);
    const mm = /^(\d+)(?:\.(\d{1,9}))?$/.exec(s);
    if (!mm) throw new EntryError(`invalid epoch "${s}"`);
    return BigInt(mm[1]) * 1_000_000_000n + BigInt((mm[2] ?? '').padEnd(9, '0'));
  };
}

export class TimeParser {
  private readonly field: Field;
  private readonly fn: TimeFn;
  constructor(cfg: TimeConfig) {
    this.field = parseField(cfg.parse_from);
    this.fn = compileTime(cfg);
  }
  /** Sets the entry timestamp from the field (the field itself is kept). */
  apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined) throw new EntryError(`time field ${this.field.text} is missing`);
    e.timestamp = this.fn(v);
  }
}
