// Severity parsing (stanza `severity` block and severity_parser): the value
// at parse_from is looked up case-insensitively in the mapping. Mapping
// values may be strings, numbers, lists, {min,max} ranges and "2xx"-style
// HTTP classes; `preset: none` starts from an empty mapping.
import { z } from 'zod';
import type { Entry } from './entry.js';
import { type Field, getField, parseField } from './field.js';

export const SEVERITY_NUMBERS: Record<string, number> = {
  default: 0,
  trace: 1,
  trace2: 2,
  trace3: 3,
  trace4: 4,
  debug: 5,
  debug2: 6,
  debug3: 7,
  debug4: 8,
  info: 9,
  info2: 10,
  info3: 11,
  info4: 12,
  warn: 13,
  warn2: 14,
  warn3: 15,
  warn4: 16,
  error: 17,
  error2: 18,
  error3: 19,
  error4: 20,
  fatal: 21,
  fatal2: 22,
  fatal3: 23,
  fatal4: 24,
};
const NAME_BY_NUMBER = Object.fromEntries(
  Object.entries(SEVERITY_NUMBERS).map(([k, v]) => [v, k.toUpperCase()]),
);

export const severitySchema = z.strictObject({
  parse_from: z.string().default('attributes.severity'),
  preset: z.enum(['default', 'none']).default('default'),
  mapping: z.record(z.string(), z.unknown()).optional(),
  overwrite_text: z.boolean().default(false),
});
export type SeverityConfig = z.output<typeof severitySchema>;

export class SeverityParser {
  private readonly field: Field;
  private readonly exact = new Map<string, number>();
  private readonly ranges: { min: number; max: number; sev: number }[] = [];

  constructor(private readonly cfg: SeverityConfig) {
    this.field = parseField(cfg.parse_from);
    if (cfg.preset === 'default')
      for (const [k, v] of Object.entries(SEVERITY_NUMBERS)) if (v > 0) this.exact.set(k, v);
    for (const [name, spec] of Object.entries(cfg.mapping ?? {})) {
      const sev =
        SEVERITY_NUMBERS[name.toLowerCase()] ?? (Number.isInteger(Number(name)) ? Number(name) : undefined);
      if (sev === undefined) throw new Error(`severity mapping: unknown severity "${name}"`);
      for (const v of Array.isArray(spec) ? spec : [spec]) this.addValue(v, sev);
    }
  }

  private addValue(v: unknown, sev: number): void {
    if (typeof v === 'object' && v !== null) {
      const r = v as { min?: number; max?: number };
      if (typeof r.min !== 'number' || typeof r.max !== 'number')
        throw new Error('severity mapping: a range needs numeric min and max');
      this.ranges.push({ min: r.min, max: r.max, sev });
      return;
    }
    const s = String(v).toLowerCase();
    const http = /^([1-5])xx$/.exec(s);
    if (http) {
      const base = Number(http[1]) * 100;
      this.ranges.push({ min: base, max: base + 99, sev });
      return;
    }
    this.exact.set(s, sev);
  }

  /** Sets severity (and text) from the entry; throws if the value is present but unknown. */
  apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined || v === null) return;
    const text = typeof v === 'string' ? v : String(v);
    let sev = this.exact.get(text.toLowerCase());
    if (sev === undefined) {
      const n = typeof v === 'number' ? v : Number(text);
      if (!Number.isNaN(n)) for (const r of this.ranges) if (n >= r.min && n <= r.max) sev = r.sev;
    }
    if (sev === undefined) {
      e.severity = 0;
      e.severityText = text;
      return;
    }
    e.severity = sev;
    e.severityText = this.cfg.overwrite_text ? (NAME_BY_NUMBER[sev] ?? text) : text;
  }
}
