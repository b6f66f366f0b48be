// Keys of the collector's transform processor (processor/transformprocessor
// README and config.go, v0.120+ docs): `error_mode` (default ignore, the
// processor.transform.defaultErrorModeIgnore gate being on by default) and
// `<trace|metric|log>_statements`, each a flat list of statements (one group,
// context inferred from path prefixes) or a list of groups with `context`,
// `conditions`, `statements`, `error_mode`, `shared_cache`. Every statement is
// parsed and compiled here, so a bad one is a validate error with its path and
// column.
import { z } from 'zod';
import { errorModeSchema, ottlIssuePath } from '../../src/ottl/config.js';
import {
  type ContextName,
  compileGroup,
  type ErrorMode,
  type GroupConfig,
  OttlConfigError,
  SIGNAL_CONTEXTS,
} from '../../src/ottl/index.js';
import type { Signal } from '../../src/pdata/signal.js';

const contextSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .superRefine((s, ctx) => {
    if (['exemplar', 'profile'].includes(s))
      ctx.addIssue({ code: 'custom', message: `context "${s}" is not supported by Tsunagi` });
    else if (!['resource', 'scope', 'span', 'spanevent', 'metric', 'datapoint', 'log'].includes(s))
      ctx.addIssue({ code: 'custom', message: `unknown context ${s}` });
  });

const groupSchema = z.strictObject({
  context: contextSchema.optional(),
  conditions: z.array(z.string()).default([]),
  statements: z.array(z.string()).default([]),
  error_mode: errorModeSchema().optional(),
  shared_cache: z.boolean().default(false),
  flatten: z.boolean().default(false),
});

const statementsSchema = z.array(z.union([z.string(), groupSchema])).default([]);

export const SIGNAL_KEYS = {
  traces: 'trace_statements',
  metrics: 'metric_statements',
  logs: 'log_statements',
} as const satisfies Record<Signal, string>;

export const configSchema = z
  .strictObject({
    error_mode: errorModeSchema().default('ignore'),
    trace_statements: statementsSchema,
    metric_statements: statementsSchema,
    log_statements: statementsSchema,
    profile_statements: z.array(z.unknown()).default([]),
    flatten_data: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.profile_statements.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['profile_statements'],
        message: 'profiles are not supported by Tsunagi',
      });
    if (c.flatten_data)
      ctx.addIssue({
        code: 'custom',
        path: ['flatten_data'],
        message:
          "'flatten_data' requires the 'transform.flatten.logs' feature gate, which Tsunagi does not have",
      });
    for (const signal of Object.keys(SIGNAL_KEYS) as Signal[]) {
      const key = SIGNAL_KEYS[signal];
      const list = c[key];
      const flat = list.some((x) => typeof x === 'string');
      if (flat && list.some((x) => typeof x !== 'string')) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message:
            'configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration',
        });
        continue;
      }
      groupsOf(c, signal).forEach(({ cfg, path, flatStyle, group }) => {
        if (group?.flatten)
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'flatten'],
            message:
              "'flatten' requires the 'transform.flatten.logs' feature gate, which Tsunagi does not have",
          });
        try {
          compileGroup(cfg, SIGNAL_CONTEXTS[signal]);
        } catch (err) {
          if (!(err instanceof OttlConfigError)) throw err;
          ctx.addIssue({ code: 'custom', path: ottlIssuePath(path, err, flatStyle), message: err.message });
        }
      });
    }
  });

export type TransformConfig = z.output<typeof configSchema>;

type Group = z.output<typeof groupSchema>;

export interface GroupEntry {
  cfg: GroupConfig;
  /** YAML path of the group (for flat style: of the first statement). */
  path: (string | number)[];
  flatStyle: boolean;
  sharedCache: boolean;
  group?: Group;
}

/** The statement groups of one signal: the flat style is one group with an inferred context. */
export function groupsOf(c: Omit<TransformConfig, never>, signal: Signal): GroupEntry[] {
  const key = SIGNAL_KEYS[signal];
  const list = c[key];
  const top = c.error_mode as ErrorMode;
  if (list.length === 0) return [];
  if (typeof list[0] === 'string')
    return [
      {
        cfg: { statements: list as string[], errorMode: top },
        path: [key, 0],
        flatStyle: true,
        sharedCache: false,
      },
    ];
  return (list as Group[]).map((g, i) => ({
    cfg: {
      context: g.context as ContextName | undefined,
      statements: g.statements,
      conditions: g.conditions,
      errorMode: (g.error_mode as ErrorMode | undefined) ?? top,
    },
    path: [key, i],
    flatStyle: false,
    sharedCache: g.shared_cache,
    group: g,
  }));
}
