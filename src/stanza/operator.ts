// Operator base: output wiring, the `if` condition and `on_error` handling
// shared by every stanza operator. Operators are synchronous: process() runs
// the entry through to the sink before returning, so an input knows exactly
// which entries a batch holds; stateful operators (recombine) hold entries
// and release them on flush().
import { z } from 'zod';
import { goRegExp } from '../regexp/go.js';
import type { Logger } from '../telemetry/logger.js';
import { cloneEntry, type Entry } from './entry.js';
import { compileExpr, type Expr } from './expr.js';

export type OnError = 'send' | 'drop' | 'send_quiet' | 'drop_quiet';

export interface BuildContext {
  logger: Logger;
  /** Counts an entry an operator failed on (by operator id). */
  onOperatorError(operatorId: string): void;
}

export const baseKeys = {
  type: z.string(),
  id: z.string().optional(),
  output: z.union([z.string(), z.array(z.string())]).optional(),
  if: z.string().optional(),
  on_error: z.enum(['send', 'drop', 'send_quiet', 'drop_quiet']).default('send'),
};

export interface BaseConfig {
  type: string;
  id?: string;
  output?: string | string[];
  if?: string;
  on_error: OnError;
}

export abstract class Operator {
  readonly id: string;
  readonly type: string;
  readonly outputIds: string[] | undefined;
  outputs: Operator[] = [];
  protected readonly cond: Expr | undefined;
  protected readonly onError: OnError;
  protected readonly ctx: BuildContext;

  constructor(cfg: BaseConfig, ctx: BuildContext) {
    this.type = cfg.type;
    this.id = cfg.id ?? cfg.type;
    this.outputIds =
      cfg.output === undefined ? undefined : Array.isArray(cfg.output) ? cfg.output : [cfg.output];
    this.cond = cfg.if ? compileExpr(cfg.if) : undefined;
    this.onError = cfg.on_error ?? 'send';
    this.ctx = ctx;
  }

  /** Takes one entry; must pass it on (emit), hold it, or drop it. */
  process(e: Entry): void {
    if (this.cond !== undefined && !this.cond(e)) {
      this.emit(e);
      return;
    }
    try {
      this.apply(e);
    } catch (err) {
      this.fail(e, err);
      return;
    }
    this.emit(e);
  }

  /** The transformation; throw to trigger on_error. Default: pass through. */
  protected apply(_e: Entry): void {}

  private lastLog = 0;
  private suppressed = 0;

  protected fail(e: Entry, err: unknown): void {
    this.ctx.onOperatorError(this.id);
    // one line per operator per second at most (bad input must not flood our own logs)
    const now = Date.now();
    if (now - this.lastLog >= 1000) {
      const quiet = this.onError.endsWith('_quiet');
      const msg = err instanceof Error ? err.message : String(err);
      const fields = { operator: this.id, err: msg, action: this.onError, suppressed: this.suppressed };
      // the collector logs at error level, or at debug for the _quiet modes
      if (quiet) this.ctx.logger.debug(fields, 'operator failed on an entry');
      else this.ctx.logger.error(fields, 'operator failed on an entry');
      this.lastLog = now;
      this.suppressed = 0;
    } else this.suppressed++;
    if (this.onError.startsWith('send')) this.emit(e);
  }

  emit(e: Entry): void {
    const o = this.outputs;
    if (o.length === 1) o[0].process(e);
    else for (let i = 0; i < o.length; i++) o[i].process(i === o.length - 1 ? e : cloneEntry(e));
  }

  /** Releases held entries: those older than their flush period, or all when `force`. */
  flush(_now: number, _force: boolean): void {}

  /** Resolves extra outputs (router routes) by id; `next` is the default successor. */
  wire(_byId: Map<string, Operator>, _next: Operator): void {}

  /** Visits the entries the operator holds (for checkpoints). */
  held(_visit: (e: Entry) => void): void {}
}

export interface OperatorDef<C extends BaseConfig = BaseConfig> {
  type: string;
  schema: z.ZodType<C>;
  build(cfg: C, ctx: BuildContext): Operator;
}

/** A Go (RE2) regular expression as a JS RegExp (src/regexp/go.ts). */
export function regexFromGo(src: string, flags = ''): RegExp {
  return goRegExp(src, flags);
}
