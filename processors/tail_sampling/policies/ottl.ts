// The ottl_condition policy's conditions, compiled with the shared OTTL library
// (src/ottl/): span conditions in the span context, spanevent conditions in the
// spanevent context, each list ORed, with the policy's error_mode.
import {
  type ConditionSet,
  compileConditions,
  ErrorReporter,
  evalConditions,
  OttlConfigError,
  TransformContext,
} from '../../../src/ottl/index.js';
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
   * error when error_mode is propagate (ignore: logged, silent: not; the
   * condition then counts as false).
   */
  matchSpan(span: Span, scope: InstrumentationScope, resource: Resource): boolean;
  /** True if any spanevent condition matches this event; errors as for matchSpan. */
  matchSpanEvent(event: SpanEvent, span: Span, scope: InstrumentationScope, resource: Resource): boolean;
}

export interface OttlConditionCompiler {
  /** A parse error with its path below `ottl_condition` (e.g. ['span', 0]) and message, or undefined. */
  check(cfg: OttlConditionConfig): { path: (string | number)[]; message: string } | undefined;
  compile(cfg: OttlConditionConfig, logger?: ConstructorParameters<typeof ErrorReporter>[0]): OttlCondition;
}

function compileList(
  texts: string[],
  context: 'span' | 'spanevent',
  cfg: OttlConditionConfig,
): ConditionSet[] {
  return texts.length === 0
    ? []
    : compileConditions(texts, { context, allowed: [context], errorMode: cfg.error_mode });
}

/** The schema URL holders the OTTL context wants (the policy sees resource and scope only). */
const NO_SCHEMA = { schemaUrl: '' };

const compiler: OttlConditionCompiler = {
  check(cfg) {
    for (const key of ['span', 'spanevent'] as const)
      try {
        compileList(cfg[key], key, cfg);
      } catch (err) {
        if (err instanceof OttlConfigError) return { path: [key, err.index], message: err.message };
        throw err;
      }
    return undefined;
  },
  compile(cfg, logger) {
    const spans = compileList(cfg.span, 'span', cfg);
    const events = compileList(cfg.spanevent, 'spanevent', cfg);
    const reporter = new ErrorReporter(cfg.error_mode === 'ignore' ? logger : undefined);
    const ctx = new TransformContext();
    const matches = (sets: ConditionSet[]) =>
      sets.some((s) => evalConditions(s.conditions, cfg.error_mode, ctx, reporter));
    return {
      matchSpan(span, scope, resource) {
        if (spans.length === 0) return false;
        ctx.setResource(resource, NO_SCHEMA).setScope(scope, NO_SCHEMA);
        ctx.span = span;
        return matches(spans);
      },
      matchSpanEvent(event, span, scope, resource) {
        if (events.length === 0) return false;
        ctx.setResource(resource, NO_SCHEMA).setScope(scope, NO_SCHEMA);
        ctx.span = span;
        ctx.event = event;
        return matches(events);
      },
    };
  },
};

export function ottlConditionCompiler(): OttlConditionCompiler {
  return compiler;
}
