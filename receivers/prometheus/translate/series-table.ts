// What a target's scrape loop remembers about each series (each distinct
// `name{labels}` text of its expositions, and the up / scrape_* series it adds),
// as columns indexed by a series number instead of an object per series: a
// target of 100k series kept ~130 bytes of object and a boxed double each, all of
// it traced by every full GC. A number is reused once its series is forgotten.
import type { Role } from './classify.js';
import { type GroupState, Special } from './state.js';

/** flags: metric_relabel_configs dropped the series. */
export const DROPPED = 1;
/** flags: its last sample carried its own timestamp (and honor_timestamps): no staleness marker then. */
export const EXPLICIT_TS = 2;
/** flags: one of the series Prometheus adds about each scrape (up, scrape_*). */
export const REPORT = 4;

/** Role codes (the `role` column). */
export const VALUE = 0;
export const BUCKET = 1;
export const QUANTILE = 2;
export const COUNT = 3;
export const SUM = 4;
export const CREATED = 5;
const ROLE_CODES: Record<Role, number> = {
  value: VALUE,
  bucket: BUCKET,
  quantile: QUANTILE,
  count: COUNT,
  sum: SUM,
  created: CREATED,
};

export function roleCode(r: Role): number {
  return ROLE_CODES[r];
}

export class SeriesTable {
  /** The series text (the cache key), or the report series' name; '' for a free number. */
  readonly keys: string[] = [];
  flags = new Uint8Array(1024);
  special = new Uint8Array(1024);
  role = new Uint8Array(1024);
  /** The scrape iteration it was last fed in (-1: never). */
  lastSeen = new Int32Array(1024);
  /** The metadata epoch its classification belongs to (-1: none yet). */
  epoch = new Int32Array(1024);
  /** A bucket's le or a quantile's quantile (NaN: missing or bad). */
  boundary = new Float64Array(1024);
  /** Its point (undefined while dropped, invalid or special). */
  readonly groups: (GroupState | undefined)[] = [];
  /** The OTLP metric name of a value sample (interned). */
  readonly otlpNames: string[] = [];
  /** Why every scrape with this series fails (label limits, duplicate label names): rare. */
  readonly errors = new Map<number, string>();
  /** Final labels, kept only where they are read again (report series, target_info, otel_scope_info). */
  readonly labels = new Map<number, [string, string][]>();
  private readonly free: number[] = [];

  /** A number for a new series. */
  add(key: string, report: boolean): number {
    let s = this.free.pop();
    if (s === undefined) {
      s = this.keys.length;
      if (s === this.flags.length) this.grow(s * 2);
      this.keys.push(key);
      this.groups.push(undefined);
      this.otlpNames.push('');
    } else {
      this.keys[s] = key;
      this.groups[s] = undefined;
      this.otlpNames[s] = '';
    }
    this.flags[s] = report ? REPORT : 0;
    this.special[s] = Special.None;
    this.role[s] = VALUE;
    this.lastSeen[s] = -1;
    this.epoch[s] = -1;
    this.boundary[s] = 0;
    return s;
  }

  /** Forgets series s (its number may be given to a new series). */
  release(s: number): void {
    this.keys[s] = '';
    this.groups[s] = undefined;
    this.otlpNames[s] = '';
    this.errors.delete(s);
    this.labels.delete(s);
    this.free.push(s);
  }

  private grow(size: number): void {
    const copy = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.flags = copy(this.flags, (n) => new Uint8Array(n));
    this.special = copy(this.special, (n) => new Uint8Array(n));
    this.role = copy(this.role, (n) => new Uint8Array(n));
    this.lastSeen = copy(this.lastSeen, (n) => new Int32Array(n));
    this.epoch = copy(this.epoch, (n) => new Int32Array(n));
    this.boundary = copy(this.boundary, (n) => new Float64Array(n));
  }
}
