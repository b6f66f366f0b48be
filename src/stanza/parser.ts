// Parser base: parse_from → parse → parse_to, then the optional timestamp,
// severity, trace and scope_name blocks; `if` and `on_error` from Operator.
import { z } from 'zod';
import { absentWhenNull } from '../config/null-values.js';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
import { type Field, getField, parseField, setField } from './field.js';
import { type BaseConfig, type BuildContext, baseKeys, Operator } from './operator.js';
import { type SeverityConfig, SeverityParser, severitySchema } from './severity.js';
import { type TimeConfig, TimeParser, timeSchema } from './time.js';
import { type TraceConfig, TraceParser, traceSchema } from './trace.js';

export const parserKeys = {
  ...baseKeys,
  parse_from: z.string().default('body'),
  parse_to: z.string().default('attributes'),
  // Pointers in the collector (nil = off): `timestamp:` with no value parses no timestamp.
  timestamp: absentWhenNull(timeSchema.optional()),
  severity: absentWhenNull(severitySchema.optional()),
  trace: absentWhenNull(traceSchema.optional()),
  scope_name: absentWhenNull(z.strictObject({ parse_from: z.string() }).optional()),
};

export interface ParserConfig extends BaseConfig {
  parse_from: string;
  parse_to: string;
  timestamp?: TimeConfig;
  severity?: SeverityConfig;
  trace?: TraceConfig;
  scope_name?: { parse_from: string };
}

export abstract class ParserOperator extends Operator {
  protected readonly from: Field;
  protected readonly to: Field;
  private readonly time?: TimeParser;
  private readonly sev?: SeverityParser;
  private readonly trace?: TraceParser;
  private readonly scope?: Field;

  constructor(cfg: ParserConfig, ctx: BuildContext) {
    super(cfg, ctx);
    this.from = parseField(cfg.parse_from);
    this.to = parseField(cfg.parse_to);
    if (cfg.timestamp) this.time = new TimeParser(cfg.timestamp);
    if (cfg.severity) this.sev = new SeverityParser(cfg.severity);
    if (cfg.trace) this.trace = new TraceParser(cfg.trace);
    if (cfg.scope_name) this.scope = parseField(cfg.scope_name.parse_from);
  }

  /** Turns the value at parse_from into the value stored at parse_to; throw to fail. */
  protected abstract parseValue(v: unknown, e: Entry): unknown;

  protected override apply(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new EntryError(`field ${this.from.text} is missing`);
    const parsed = this.parseValue(v, e);
    if (parsed !== undefined) setField(e, this.to, parsed);
    this.after(e);
  }

  /** The timestamp/severity/trace/scope blocks (also used by parsers that override apply). */
  protected after(e: Entry): void {
    if (this.time) this.time.apply(e);
    if (this.sev) this.sev.apply(e);
    if (this.trace) this.trace.apply(e);
    if (this.scope) {
      const s = getField(e, this.scope);
      if (typeof s === 'string') e.scopeName = s;
    }
  }
}
