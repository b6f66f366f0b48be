// Keys of the collector's count connector (connector/countconnector README,
// config.go, config.schema.yaml): `spans`, `spanevents`, `metrics`,
// `datapoints`, `logs` (and `profiles`, accepted: Tsunagi has no profiles
// pipelines), each a map of metric name → `description`, `conditions` (OTTL,
// ORed) and `attributes` (`key`, `default_value`). A section left out counts
// with the default metric; a section given replaces it.
import { z } from 'zod';
import {
  type ConditionSet,
  type ContextName,
  compileConditions,
  OttlConfigError,
  SIGNAL_CONTEXTS,
} from '../../src/ottl/index.js';

const attributeSchema = z.strictObject({
  key: z.string().default(''),
  /** A string or number (the collector's int or float64); empty or 0 means no default, as there. */
  default_value: z.union([z.string(), z.number()]).optional(),
});

const metricInfoSchema = z.preprocess(
  (v) => v ?? {},
  z.strictObject({
    description: z.string().default(''),
    conditions: z.array(z.string()).default([]),
    attributes: z.array(attributeSchema).default([]),
  }),
);

const section = z.record(z.string(), metricInfoSchema).nullable().optional();

export type MetricInfo = z.output<typeof metricInfoSchema>;

/** The sections, the OTTL context of their conditions, and their default metric. */
export const SECTIONS = {
  spans: { context: 'span', name: 'trace.span.count', description: 'The number of spans observed.' },
  spanevents: {
    context: 'spanevent',
    name: 'trace.span.event.count',
    description: 'The number of span events observed.',
  },
  metrics: { context: 'metric', name: 'metric.count', description: 'The number of metrics observed.' },
  datapoints: {
    context: 'datapoint',
    name: 'metric.datapoint.count',
    description: 'The number of data points observed.',
  },
  logs: { context: 'log', name: 'log.record.count', description: 'The number of log records observed.' },
} as const satisfies Record<string, { context: ContextName; name: string; description: string }>;

export type Section = keyof typeof SECTIONS;

const ALLOWED: Record<Section, readonly ContextName[]> = {
  spans: SIGNAL_CONTEXTS.traces,
  spanevents: SIGNAL_CONTEXTS.traces,
  metrics: SIGNAL_CONTEXTS.metrics,
  datapoints: SIGNAL_CONTEXTS.metrics,
  logs: SIGNAL_CONTEXTS.logs,
};

/** One metric to emit: its name, description, attributes and compiled conditions (none: count all). */
export interface MetricDef {
  name: string;
  description: string;
  attributes: { key: string; defaultValue?: string | number }[];
  conditions?: ConditionSet;
}

/** A condition that does not compile: the list index and why. */
class ConditionError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

/** The metrics a section emits (compiling their conditions), the default one when the section is absent. */
export function metricDefs(cfg: CountConfig, s: Section): MetricDef[] {
  const infos = cfg[s];
  if (infos === undefined)
    return [{ name: SECTIONS[s].name, description: SECTIONS[s].description, attributes: [] }];
  return Object.entries(infos ?? {}).map(([name, info]) => ({
    name,
    description: info.description,
    attributes: info.attributes.map((a) => ({ key: a.key, defaultValue: a.default_value })),
    conditions: info.conditions.length > 0 ? compile(s, info.conditions) : undefined,
  }));
}

function compile(s: Section, texts: string[]): ConditionSet {
  try {
    // propagate: the collector compiles these with ottl.PropagateError
    return compileConditions(texts, {
      context: SECTIONS[s].context,
      allowed: ALLOWED[s],
      errorMode: 'propagate',
    })[0];
  } catch (err) {
    if (err instanceof OttlConfigError) throw new ConditionError(err.index, err.message);
    throw err;
  }
}

export const configSchema = z
  .strictObject({
    spans: section,
    spanevents: section,
    metrics: section,
    datapoints: section,
    logs: section,
    profiles: section,
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    for (const s of Object.keys(SECTIONS) as Section[])
      for (const [name, info] of Object.entries(c[s] ?? {})) {
        if (name === '') issue([s], 'metric name missing');
        if (s === 'metrics' && info.attributes.length > 0)
          issue([s, name, 'attributes'], `metrics attributes not supported: metric "${name}"`);
        info.attributes.forEach((a, i) => {
          if (a.key === '') issue([s, name, 'attributes', i, 'key'], 'attribute key missing');
        });
        if (info.conditions.length > 0)
          try {
            compile(s, info.conditions);
          } catch (err) {
            if (!(err instanceof ConditionError)) throw err;
            issue([s, name, 'conditions', err.index], err.message);
          }
      }
  });

export type CountConfig = z.output<typeof configSchema>;
