// Severity parsing (stanza `severity` block and severity_parser): the value
// at parse_from is looked up case-insensitively in the mapping, which starts
// from a preset (the collector's getBuiltinMapping: `default`, `otel`/`aliases`,
// `none`). Mapping values may be strings, whole numbers, lists, {min,max}
// ranges and "2xx".."5xx" HTTP classes.
import { z } from 'zod';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
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

/** Severity names and numbers accepted as mapping keys (the collector's `otel` preset). */
function otelPreset(): Map<string, number> {
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(SEVERITY_NUMBERS))
    if (v > 0) {
      m.set(k, v);
      m.set(String(v), v);
    }
  return m;
}
const OTEL_PRESET = otelPreset();

/**
 * The built-in mapping a preset starts from, as the collector's getBuiltinMapping:
 * `none` is empty; `otel` (alias `aliases`) maps trace..fatal4 and "1".."24";
 * `default` adds warning..warning4 and err..err4 to that.
 */
function builtinMapping(preset: Preset): Map<string, number> {
  if (preset === 'none') return new Map();
  const m = new Map(OTEL_PRESET);
  if (preset === 'default') {
    for (const [i, suffix] of ['', '2', '3', '4'].entries()) {
      m.set(`warning${suffix}`, 13 + i);
      m.set(`err${suffix}`, 17 + i);
    }
  }
  return m;
}

const PRESETS = ['default', 'none', 'otel', 'aliases'] as const;
type Preset = (typeof PRESETS)[number];

export const severitySchema = z.strictObject({
  parse_from: z.string().default('attributes.severity'),
  preset: z.enum(PRESETS).default('default'),
  mapping: z.record(z.string(), z.unknown()).optional(),
  overwrite_text: z.boolean().default(false),
});
export type SeverityConfig = z.output<typeof severitySchema>;

/** The mapping key a value is looked up by (the collector compares strings; whole numbers as integers). */
function keyOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v))
      throw new EntryError(`severity: ${v} cannot be a severity unless it is a whole number`);
    return String(v);
  }
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  throw new EntryError(
    `severity: a value of type ${Array.isArray(v) ? 'list' : typeof v} cannot be a severity`,
  );
}

export class SeverityParser {
  private readonly field: Field;
  private readonly preset: Map<string, number>;
  private readonly exact = new Map<string, number>();
  private readonly ranges: { min: number; max: number; sev: number }[] = [];

  constructor(private readonly cfg: SeverityConfig) {
    this.field = parseField(cfg.parse_from);
    this.preset = builtinMapping(cfg.preset);
    for (const [name, spec] of Object.entries(cfg.mapping ?? {})) {
      // keys are severity names or numbers 1..24 (the collector's otel preset)
      const sev = OTEL_PRESET.get(name.toLowerCase());
      if (sev === undefined)
        throw new EntryError(
          `severity mapping: unknown severity "${name}" (use trace, debug, info, warn, error, fatal with an optional 2-4 suffix, or 1-24)`,
        );
      for (const v of Array.isArray(spec) ? spec : [spec]) this.addValue(v, sev);
    }
  }

  private addValue(v: unknown, sev: number): void {
    if (typeof v === 'object' && v !== null) {
      const r = v as { min?: unknown; max?: unknown };
      if (!Number.isInteger(r.min) || !Number.isInteger(r.max))
        throw new EntryError('severity mapping: a range needs integer min and max');
      const [min, max] = [r.min as number, r.max as number].sort((a, b) => a - b);
      this.ranges.push({ min, max, sev });
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new EntryError(`severity mapping: ${v} is not a whole number`);
      this.exact.set(String(v), sev);
      return;
    }
    if (typeof v !== 'string')
      throw new EntryError(`severity mapping: a ${typeof v} cannot be parsed as a severity`);
    const s = v.toLowerCase();
    const http = /^([2-5])xx$/.exec(s);
    if (http) {
      const base = Number(http[1]) * 100;
      this.ranges.push({ min: base, max: base + 99, sev });
      return;
    }
    this.exact.set(s, sev);
  }

  /**
   * Sets severity and text from the entry. A missing field, a fraction or a
   * non-scalar value is an error (on_error applies); an unmapped value gives
   * severity 0 (unset) and keeps the value as the text.
   */
  apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined) throw new EntryError(`severity field ${this.field.text} is missing`);
    const text = keyOf(v);
    const key = text.toLowerCase();
    let sev = this.exact.get(key);
    if (sev === undefined && /^-?\d+$/.test(key)) {
      const n = Number(key);
      // later mapping entries win, as they overwrite earlier ones in the collector's map
      for (const r of this.ranges) if (n >= r.min && n <= r.max) sev = r.sev;
    }
    // the user's mapping overrides the preset (a range over 10..20 takes "13" from warn)
    sev ??= this.preset.get(key);
    e.severity = sev ?? 0;
    e.severityText = sev !== undefined && this.cfg.overwrite_text ? (NAME_BY_NUMBER[sev] ?? text) : text;
  }
}
