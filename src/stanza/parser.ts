// Parser base: parse_from → parse → parse_to, then `body` (the body becomes
// that field), then the optional timestamp, severity, trace and scope_name
// blocks; `if` and `on_error` from Operator. As the collector's
// helper.ParserOperator.ParseWith: every block is attempted, then the first
// failure (time, severity, trace, scope_name in that order) triggers on_error
// on the entry as parsed so far.
import { z } from 'zod';
import { absentWhenNull } from '../config/null-values.js';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
import { type Field, getField, parseField, setField } from './field.js';
import { type BaseConfig, type BuildContext, baseKeys, Operator } from './operator.js';
import { type SeverityConfig, SeverityParser, severitySchema } from './severity.js';
import { type TimeConfig, TimeParser, timeSchema } from './time.js';
import { type TraceConfig, TraceParser, traceSchema } from './trace.js';

export const scopeNameSchema = z.strictObject({ parse_from: z.string().default('body') });

const parserKeyShape = {
  ...baseKeys,
  parse_from: z.string().default('body'),
  parse_to: z.string().default('attributes'),
  body: z.string().optional(),
  // Pointers in the collector (nil = off): `timestamp:` with no value parses no timestamp.
  timestamp: absentWhenNull(timeSchema.optional()),
  severity: absentWhenNull(severitySchema.optional()),
  trace: absentWhenNull(traceSchema.optional()),
  scope_name: absentWhenNull(scopeNameSchema.optional()),
};
export const parserKeys = parserKeyShape;

/** `parse_to: body` together with `body:` is refused, as the collector's ParserConfig.Build does. */
export function refineParserKeys<T extends z.ZodType<{ parse_to: string; body?: string }>>(schema: T): T {
  return schema.refine((c) => c.body === undefined || !isBodyRoot(c.parse_to), {
    message: '`parse_to: body` not allowed when `body` is configured',
    path: ['body'],
  }) as unknown as T;
}

function isBodyRoot(f: string): boolean {
  try {
    const p = parseField(f);
    return p.root === 'body' && p.keys.length === 0;
  } catch {
    return false;
  }
}

export interface ParserConfig extends BaseConfig {
  parse_from: string;
  parse_to: string;
  body?: string;
  timestamp?: TimeConfig;
  severity?: SeverityConfig;
  trace?: TraceConfig;
  scope_name?: { parse_from: string };
}

/** The scope_name block and operator: the string at parse_from becomes the scope name. */
export class ScopeNameParser {
  private readonly field: Field;
  constructor(cfg: { parse_from: string }) {
    this.field = parseField(cfg.parse_from);
  }
  apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined)
      throw new EntryError(`log entry does not have the expected parse_from field ${this.field.text}`);
    if (typeof v !== 'string') throw new EntryError('parse_from field does not contain a string');
    e.scopeName = v;
  }
}

export abstract class ParserOperator extends Operator {
  protected readonly from: Field;
  protected readonly to: Field;
  protected readonly bodyField?: Field;
  /** The timestamp step (a TimeParser from the `timestamp` block, or a parser's own default). */
  protected time?: { apply(e: Entry): void };
  private readonly sev?: SeverityParser;
  private readonly trace?: TraceParser;
  private readonly scope?: ScopeNameParser;

  constructor(cfg: ParserConfig, ctx: BuildContext) {
    super(cfg, ctx);
    this.from = parseField(cfg.parse_from);
    this.to = parseField(cfg.parse_to);
    if (cfg.body !== undefined) {
      this.bodyField = parseField(cfg.body);
      if (this.to.root === 'body' && this.to.keys.length === 0)
        throw new EntryError('`parse_to: body` not allowed when `body` is configured');
    }
    if (cfg.timestamp) this.time = new TimeParser(cfg.timestamp);
    if (cfg.severity) this.sev = new SeverityParser(cfg.severity);
    if (cfg.trace) this.trace = new TraceParser(cfg.trace);
    if (cfg.scope_name) this.scope = new ScopeNameParser(cfg.scope_name);
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

  /** `body`, then the timestamp/severity/trace/scope blocks (also used by parsers that override apply). */
  protected after(e: Entry): void {
    if (this.bodyField) {
      const b = getField(e, this.bodyField);
      if (b !== undefined) e.body = b;
    }
    // no closures here: this runs for every line of the agent's hot path
    let first: EntryError | undefined;
    if (this.time)
      try {
        this.time.apply(e);
      } catch (err) {
        first = blockError('time parser', err);
      }
    if (this.sev)
      try {
        this.sev.apply(e);
      } catch (err) {
        first ??= blockError('severity parser', err);
      }
    if (this.trace)
      try {
        this.trace.apply(e);
      } catch (err) {
        first ??= blockError('trace parser', err);
      }
    if (this.scope)
      try {
        this.scope.apply(e);
      } catch (err) {
        first ??= blockError('scope_name parser', err);
      }
    if (first !== undefined) throw first;
  }
}

function blockError(what: string, err: unknown): EntryError {
  return new EntryError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}
