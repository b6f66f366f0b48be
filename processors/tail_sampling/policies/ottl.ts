// SEAM for the ottl_condition policy. The OTTL library (src/ottl/) lands on
// its own branch; once it does, app code registers a compiler here with
// setOttlConditionCompiler() and the policy works. Until then the config
// schema refuses ottl_condition with a clear "not supported yet" (config.ts),
// so a config that uses it never runs with the condition silently ignored.
import type { InstrumentationScope, Resource, Span, SpanEvent } from '../../../src/pdata/types.js';

export interface OttlConditionConfig {
  error_mode: 'ignore' | 'silent' | 'propagate';
  /** Span-context conditions, ORed. */
  span: string[];
  /** Span-event-context conditions, ORed. */
  spanevent: string[];
}

/** The compiled conditions of one policy. */
export interface OttlCondition {
  /**
   * True if any span condition matches this span. Throws on an evaluation
   * error when error_mode is propagate (ignore/silent: the compiler logs or
   * not, and the condition counts as false).
   */
  matchSpan(span: Span, scope: InstrumentationScope, resource: Resource): boolean;
  /** True if any spanevent condition matches this event; errors as for matchSpan. */
  matchSpanEvent(event: SpanEvent, span: Span, scope: InstrumentationScope, resource: Resource): boolean;
}

export interface OttlConditionCompiler {
  /** A parse error with its path below `ottl_condition` (e.g. ['span', 0]) and message, or undefined. */
  check(cfg: OttlConditionConfig): { path: (string | number)[]; message: string } | undefined;
  compile(cfg: OttlConditionConfig): OttlCondition;
}

let compiler: OttlConditionCompiler | undefined;

/** Wires the OTTL library in (called once at startup by the code that owns src/ottl). */
export function setOttlConditionCompiler(c: OttlConditionCompiler | undefined): void {
  compiler = c;
}

export function ottlConditionCompiler(): OttlConditionCompiler | undefined {
  return compiler;
}
