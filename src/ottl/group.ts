// Statement groups and condition sets: parsing, context choice (explicit or
// inferred), compilation and error handling per `error_mode`, shared by the
// transform and filter processors and by any component that evaluates OTTL.
import type { ParsedCondition, ParsedStatement } from './ast.js';
import {
  type CompiledCondition,
  type CompiledStatement,
  compileCondition,
  compileStatement,
} from './compile.js';
import type { ContextName, Level, TransformContext } from './context.js';
import { OttlError, OttlSyntaxError } from './errors.js';
import { collectHints, inferContext, newHints } from './infer.js';
import { parseCondition, parseStatement } from './parser.js';

export type ErrorMode = 'ignore' | 'silent' | 'propagate';

export const ERROR_MODES: readonly ErrorMode[] = ['ignore', 'silent', 'propagate'];

/** A config error in one statement or condition: which list, which entry, which column. */
export class OttlConfigError extends Error {
  constructor(
    /** `statements` or `conditions` (the YAML key of the list), or undefined for the group itself. */
    readonly list: 'statements' | 'conditions' | undefined,
    readonly index: number,
    readonly reason: string,
    readonly column?: number,
  ) {
    super(column === undefined ? reason : `column ${column}: ${reason}`);
    this.name = 'OttlConfigError';
  }
}

/** Where warnings about failed statements go (a pino logger fits). */
export interface OttlLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Logs failures in `ignore` mode: the first failure of each statement, then at
 * most one line per statement every 10 s with the count of the others, so a
 * statement that fails on every item cannot flood the log.
 */
export class ErrorReporter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly logger: OttlLogger | undefined) {}

  report(what: 'statement' | 'condition', text: string, err: unknown): void {
    if (!this.logger) return;
    const now = Date.now();
    const seen = this.last.get(text);
    if (seen && now - seen.at < 10_000) {
      seen.suppressed++;
      return;
    }
    this.logger.warn(
      {
        [what]: text,
        error: err instanceof Error ? err.message : String(err),
        suppressed: seen?.suppressed ?? 0,
      },
      `failed to execute ${what}`,
    );
    this.last.set(text, { at: now, suppressed: 0 });
  }
}

export interface GroupConfig {
  /** Explicit context; inferred from path prefixes when absent. */
  context?: ContextName;
  statements: string[];
  /** ORed group conditions (the transform processor's `conditions`). */
  conditions?: string[];
  errorMode: ErrorMode;
}

export interface StatementGroup {
  context: ContextName;
  statements: CompiledStatement[];
  conditions: CompiledCondition[];
  errorMode: ErrorMode;
  /** Deepest data level any statement or condition touches (0: resource only, no item is read). */
  level: Level;
}

function parseAll<T>(texts: string[], list: 'statements' | 'conditions', parse: (t: string) => T): T[] {
  return texts.map((t, i) => {
    try {
      return parse(t);
    } catch (err) {
      if (err instanceof OttlSyntaxError) throw new OttlConfigError(list, i, err.reason, err.column);
      throw err;
    }
  });
}

function compileAll<P, C>(items: P[], list: 'statements' | 'conditions', compile: (p: P) => C): C[] {
  return items.map((p, i) => {
    try {
      return compile(p);
    } catch (err) {
      if (err instanceof OttlSyntaxError) throw new OttlConfigError(list, i, err.reason, err.column);
      throw new OttlConfigError(list, i, (err as Error).message);
    }
  });
}

function chooseContext(
  explicit: ContextName | undefined,
  allowed: readonly ContextName[],
  statements: ParsedStatement[],
  conditions: ParsedCondition[],
): ContextName {
  if (explicit) {
    if (!allowed.includes(explicit))
      throw new OttlConfigError(
        undefined,
        0,
        `context "${explicit}" is not valid here; valid contexts: ${allowed.join(', ')}`,
      );
    return explicit;
  }
  const h = newHints();
  for (const s of statements) {
    collectHints(s.editor, h);
    if (s.where) collectHints(s.where, h);
  }
  for (const c of conditions) collectHints(c.expr, h);
  const ctx = inferContext(h, allowed);
  if (ctx) return ctx;
  const texts = [...statements.map((s) => s.text), ...conditions.map((c) => c.text)];
  if (h.contexts.size === 0)
    throw new OttlConfigError(
      undefined,
      0,
      `unable to infer context from ${JSON.stringify(texts)}, path's first segment must be a valid context name (${allowed.join(', ')})`,
    );
  const named = [...h.contexts].filter((c) => !allowed.includes(c));
  throw new OttlConfigError(
    undefined,
    0,
    named.length > 0
      ? `context "${named[0]}" cannot be used here; valid contexts: ${allowed.join(', ')}`
      : `no context supports all of the paths, functions and enums used together in ${JSON.stringify(texts)}; split them into separate groups`,
  );
}

/** Parses and compiles a statement group; throws OttlConfigError naming the entry and column. */
export function compileGroup(cfg: GroupConfig, allowed: readonly ContextName[]): StatementGroup {
  const parsedStatements = parseAll(cfg.statements, 'statements', parseStatement);
  const parsedConditions = parseAll(cfg.conditions ?? [], 'conditions', parseCondition);
  const context = chooseContext(cfg.context, allowed, parsedStatements, parsedConditions);
  const opts = { context, requirePrefix: cfg.context === undefined };
  const statements = compileAll(parsedStatements, 'statements', (p) => compileStatement(p, opts));
  const conditions = compileAll(parsedConditions, 'conditions', (p) =>
    compileCondition(p, { ...opts, conditionsOnly: true }),
  );
  let level: Level = 0;
  for (const s of [...statements, ...conditions]) if (s.level > level) level = s.level;
  return { context, statements, conditions, errorMode: cfg.errorMode, level };
}

export interface ConditionSet {
  context: ContextName;
  conditions: CompiledCondition[];
  errorMode: ErrorMode;
  level: Level;
}

/**
 * Compiles conditions for one context. With `context` undefined each
 * condition's context is inferred from its own path prefixes (the filter
 * processor's `*_conditions`), and the result is one set per context found.
 */
export function compileConditions(
  texts: string[],
  opts: { context?: ContextName; allowed: readonly ContextName[]; errorMode: ErrorMode },
): ConditionSet[] {
  const parsed = parseAll(texts, 'conditions', parseCondition);
  const byContext = new Map<ContextName, ConditionSet>();
  parsed.forEach((p, i) => {
    let context: ContextName;
    try {
      context = chooseContext(opts.context, opts.allowed, [], [p]);
    } catch (err) {
      throw new OttlConfigError('conditions', i, (err as OttlConfigError).reason);
    }
    let compiled: CompiledCondition;
    try {
      compiled = compileCondition(p, {
        context,
        requirePrefix: opts.context === undefined,
        conditionsOnly: true,
      });
    } catch (err) {
      if (err instanceof OttlSyntaxError) throw new OttlConfigError('conditions', i, err.reason, err.column);
      throw new OttlConfigError('conditions', i, (err as Error).message);
    }
    let set = byContext.get(context);
    if (!set) {
      set = { context, conditions: [], errorMode: opts.errorMode, level: 0 };
      byContext.set(context, set);
    }
    set.conditions.push(compiled);
    if (compiled.level > set.level) set.level = compiled.level;
  });
  return [...byContext.values()];
}

/** Evaluates ORed conditions under an error mode (the collector's ConditionSequence). */
export function evalConditions(
  conditions: CompiledCondition[],
  mode: ErrorMode,
  ctx: TransformContext,
  reporter: ErrorReporter,
): boolean {
  for (let i = 0; i < conditions.length; i++) {
    const cond = conditions[i];
    try {
      if (cond.eval(ctx)) return true;
    } catch (err) {
      if (mode === 'propagate')
        throw new OttlError(`failed to eval condition: ${cond.text}, ${message(err)}`);
      if (mode === 'ignore') reporter.report('condition', cond.text, err);
    }
  }
  return false;
}

/** Runs a group's statements on the current item (the collector's StatementSequence). */
export function runGroup(g: StatementGroup, ctx: TransformContext, reporter: ErrorReporter): void {
  if (g.conditions.length > 0 && !evalConditions(g.conditions, g.errorMode, ctx, reporter)) return;
  const sts = g.statements;
  for (let i = 0; i < sts.length; i++) {
    const st = sts[i];
    try {
      if (st.where === undefined || st.where(ctx)) st.run(ctx);
    } catch (err) {
      if (g.errorMode === 'propagate')
        throw new OttlError(`failed to execute statement: ${st.text}, ${message(err)}`);
      if (g.errorMode === 'ignore') reporter.report('statement', st.text, err);
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Contexts each signal's statements and conditions may use. */
export const SIGNAL_CONTEXTS = {
  traces: ['resource', 'scope', 'span', 'spanevent'],
  metrics: ['resource', 'scope', 'metric', 'datapoint'],
  logs: ['resource', 'scope', 'log'],
} as const satisfies Record<string, readonly ContextName[]>;
