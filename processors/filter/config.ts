// Keys of the collector's filter processor (processor/filterprocessor README
// and config.go): `error_mode` (default ignore, the
// processor.filter.defaultErrorModeIgnore gate being on by default), the
// context-inferred `trace_conditions` / `metric_conditions` / `log_conditions`
// (flat strings, each inferred from its own path prefixes, or groups with
// `context`, `conditions`, `error_mode`), the per-context OTTL lists
// `traces.{resource,span,spanevent}`, `metrics.{resource,metric,datapoint}`,
// `logs.{resource,log_record}`, and the legacy matchers `spans.include/exclude`,
// `metrics.include/exclude`, `logs.include/exclude`.
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { matchPropertiesSchema } from '../../src/filterconfig/config.js';
import { errorModeSchema } from '../../src/ottl/config.js';
import {
  type ConditionSet,
  type ContextName,
  compileConditions,
  type ErrorMode,
  OttlConfigError,
  SIGNAL_CONTEXTS,
} from '../../src/ottl/index.js';
import type { Signal } from '../../src/pdata/signal.js';
import { goRegExp, regexpError } from '../../src/regexp/go.js';

const conditions = z.array(z.string()).optional();

const kvSchema = z.strictObject({ key: z.string(), value: z.unknown().optional() });

const SEVERITIES: Record<string, number> = {};
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  for (let j = 0; j < 4; j++) {
    const n = i * 4 + j + 1;
    SEVERITIES[`${name}${j === 0 ? '' : j + 1}`] = n;
    SEVERITIES[String(n)] = n;
  }
});

/** The filter processor's LogMatchProperties (its own keys, mapped onto the shared matcher). */
const logMatchSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp']).optional(),
    resource_attributes: z.array(kvSchema).optional(),
    record_attributes: z.array(kvSchema).optional(),
    severity_texts: z.array(z.string()).optional(),
    severity_number: absentWhenNull(
      z
        .strictObject({
          min: z.union([z.string(), z.number()]).transform((v) => String(v)),
          match_undefined: z.boolean().default(false),
        })
        .optional(),
    ),
    bodies: z.array(z.string()).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.severity_number && SEVERITIES[m.severity_number.min.toUpperCase()] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['severity_number', 'min'],
        message: `'${m.severity_number.min}' is not a valid severity: not a valid severity`,
      });
    const needsType = m.resource_attributes || m.record_attributes || m.severity_texts || m.bodies;
    if (needsType && !m.match_type)
      ctx.addIssue({
        code: 'custom',
        path: ['match_type'],
        message: "unrecognized match_type: '', valid types are: [regexp strict]",
      });
    if (m.match_type === 'regexp')
      for (const [k, list] of [
        ['severity_texts', m.severity_texts],
        ['bodies', m.bodies],
      ] as const)
        list?.forEach((p, i) => {
          const e = regexpError(p);
          if (e) ctx.addIssue({ code: 'custom', path: [k, i], message: e });
        });
  });

const metricMatchSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp', 'expr']),
    regexp: z
      .strictObject({ cacheenabled: z.boolean().optional(), cachemaxnumentries: z.number().int().optional() })
      .optional(),
    metric_names: z.array(z.string()).optional(),
    expressions: z.array(z.string()).optional(),
    resource_attributes: z.array(kvSchema).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.match_type === 'expr')
      ctx.addIssue({
        code: 'custom',
        path: ['match_type'],
        message: 'match_type "expr" (the expr language) is not supported by Tsunagi; use OTTL conditions',
      });
    if (m.match_type === 'regexp')
      m.metric_names?.forEach((p, i) => {
        const e = regexpError(p);
        if (e) ctx.addIssue({ code: 'custom', path: ['metric_names', i], message: e });
      });
  });

const groupSchema = z
  .strictObject({
    context: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'])),
    conditions: z.array(z.string()),
    error_mode: errorModeSchema().optional(),
  })
  .partial({ context: true });

const inferred = z.array(z.union([z.string(), groupSchema])).optional();

export const configSchema = z
  .strictObject({
    error_mode: errorModeSchema().default('ignore'),
    spans: z
      .strictObject({
        include: absentWhenNull(matchPropertiesSchema.optional()),
        exclude: absentWhenNull(matchPropertiesSchema.optional()),
      })
      .default({}),
    traces: z.strictObject({ resource: conditions, span: conditions, spanevent: conditions }).default({}),
    metrics: z
      .strictObject({
        include: absentWhenNull(metricMatchSchema.optional()),
        exclude: absentWhenNull(metricMatchSchema.optional()),
        regexp: z
          .strictObject({
            cacheenabled: z.boolean().optional(),
            cachemaxnumentries: z.number().int().optional(),
          })
          .optional(),
        resource: conditions,
        metric: conditions,
        datapoint: conditions,
      })
      .default({}),
    logs: z
      .strictObject({
        // Pointers in the collector: `include:` with no value matches nothing (no filter).
        include: absentWhenNull(logMatchSchema.optional()),
        exclude: absentWhenNull(logMatchSchema.optional()),
        resource: conditions,
        log_record: conditions,
      })
      .default({}),
    // `profiles:` with no value configures nothing (the collector: an empty struct), so it is not refused.
    profiles: absentWhenNull(z.strictObject({ resource: conditions, profile: conditions }).optional()),
    trace_conditions: inferred,
    metric_conditions: inferred,
    log_conditions: inferred,
    profile_conditions: z.array(z.unknown()).optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (c.profiles || c.profile_conditions?.length)
      issue(['profiles'], 'profiles are not supported by Tsunagi');
    const t = c.traces;
    const m = c.metrics;
    const l = c.logs;
    if (c.trace_conditions && (t.resource || t.span || t.spanevent))
      issue(
        ['trace_conditions'],
        'cannot use context inferred trace conditions "trace_conditions" and the settings "traces.resource", "traces.span", "traces.spanevent" at the same time',
      );
    if (c.metric_conditions && (m.resource || m.metric || m.datapoint || m.include || m.exclude))
      issue(
        ['metric_conditions'],
        'cannot use context inferred metric conditions "metric_conditions" and the settings "metrics.resource", "metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" at the same time',
      );
    if (c.log_conditions && (l.resource || l.log_record || l.include || l.exclude))
      issue(
        ['log_conditions'],
        'cannot use context inferred log conditions "log_conditions" and the settings "logs.resource", "logs.log", "logs.include", "logs.exclude" at the same time',
      );
    if ((t.resource || t.span || t.spanevent) && (c.spans.include || c.spans.exclude))
      issue(
        ['traces'],
        'cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", "spans.exclude" at the same time',
      );
    if ((m.resource || m.metric || m.datapoint) && (m.include || m.exclude))
      issue(
        ['metrics'],
        'cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings "metrics.include", "metrics.exclude" at the same time',
      );
    if ((l.resource || l.log_record) && (l.include || l.exclude))
      issue(
        ['logs'],
        'cannot use "logs.resource", "logs.log" and the settings "logs.include", "logs.exclude" at the same time',
      );
    for (const key of ['trace_conditions', 'metric_conditions', 'log_conditions'] as const) {
      const list = c[key];
      if (list?.some((x) => typeof x === 'string') && list.some((x) => typeof x !== 'string'))
        issue(
          [key],
          'configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration',
        );
    }
    try {
      for (const signal of ['traces', 'metrics', 'logs'] as const) conditionSetsOf(c, signal);
    } catch (err) {
      if (!(err instanceof FilterConfigError)) throw err;
      issue(err.path, err.message);
    }
    for (const [k, mp] of [
      ['include', c.spans.include],
      ['exclude', c.spans.exclude],
    ] as const)
      if (
        mp &&
        !mp.services &&
        !mp.span_names &&
        !mp.attributes &&
        !mp.resources &&
        !mp.libraries &&
        !mp.span_kinds
      )
        issue(
          ['spans', k],
          'at least one of "services", "span_names", "span_kinds", "attributes", "libraries" or "resources" field must be specified',
        );
  });

export type FilterConfig = z.output<typeof configSchema>;

class FilterConfigError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** Compiles one list of conditions, turning errors into path + message. */
function compileAt(
  path: (string | number)[],
  texts: string[],
  context: ContextName | undefined,
  signal: Signal,
  errorMode: ErrorMode,
): ConditionSet[] {
  try {
    return compileConditions(texts, { context, allowed: SIGNAL_CONTEXTS[signal], errorMode });
  } catch (err) {
    if (!(err instanceof OttlConfigError)) throw err;
    throw new FilterConfigError([...path, err.index], err.message);
  }
}

/** Every OTTL condition set configured for a signal, grouped by context. */
export function conditionSetsOf(c: FilterConfig, signal: Signal): ConditionSet[] {
  const mode = c.error_mode as ErrorMode;
  const sets: ConditionSet[] = [];
  const explicit: [string, string[] | undefined, ContextName][] =
    signal === 'traces'
      ? [
          ['resource', c.traces.resource, 'resource'],
          ['span', c.traces.span, 'span'],
          ['spanevent', c.traces.spanevent, 'spanevent'],
        ]
      : signal === 'metrics'
        ? [
            ['resource', c.metrics.resource, 'resource'],
            ['metric', c.metrics.metric, 'metric'],
            ['datapoint', c.metrics.datapoint, 'datapoint'],
          ]
        : [
            ['resource', c.logs.resource, 'resource'],
            ['log_record', c.logs.log_record, 'log'],
          ];
  for (const [key, list, context] of explicit)
    if (list?.length) sets.push(...compileAt([signal, key], list, context, signal, mode));
  const inferredKey =
    signal === 'traces' ? 'trace_conditions' : signal === 'metrics' ? 'metric_conditions' : 'log_conditions';
  const list = c[inferredKey];
  if (list?.length) {
    if (typeof list[0] === 'string')
      sets.push(...compileAt([inferredKey], list as string[], undefined, signal, mode));
    else
      (list as z.output<typeof groupSchema>[]).forEach((g, i) => {
        sets.push(
          ...compileAt(
            [inferredKey, i, 'conditions'],
            g.conditions,
            g.context as ContextName | undefined,
            signal,
            (g.error_mode as ErrorMode | undefined) ?? mode,
          ),
        );
      });
  }
  return sets;
}

export type LogMatch = z.output<typeof logMatchSchema>;
export type MetricMatch = z.output<typeof metricMatchSchema>;
export { goRegExp, SEVERITIES };
