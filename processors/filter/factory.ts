import type { ProcessorFactory } from '../../src/component/component.js';
import type { MatchProperties } from '../../src/filterconfig/config.js';
import { compileIncludeExclude } from '../../src/filterconfig/match.js';
import { ErrorReporter } from '../../src/ottl/index.js';
import type { Signal } from '../../src/pdata/signal.js';
import {
  conditionSetsOf,
  configSchema,
  type FilterConfig,
  type LogMatch,
  type MetricMatch,
  SEVERITIES,
} from './config.js';
import { type FilterPlan, FilterProcessor } from './processor.js';

const ITEM = { traces: 'span', logs: 'log', metrics: 'metric' } as const;
const SUB = { traces: 'spanevent', logs: undefined, metrics: 'datapoint' } as const;

function logMatch(m: LogMatch | undefined): MatchProperties | undefined {
  if (!m) return undefined;
  const empty =
    !m.resource_attributes && !m.record_attributes && !m.severity_texts && !m.bodies && !m.severity_number;
  if (empty) return undefined; // an empty matcher is ignored, as in the collector
  return {
    match_type: m.match_type ?? 'strict',
    resources: m.resource_attributes,
    attributes: m.record_attributes,
    log_severity_texts: m.severity_texts,
    log_bodies: m.bodies,
    log_severity_number: m.severity_number && {
      min: SEVERITIES[m.severity_number.min.toUpperCase()],
      match_undefined: m.severity_number.match_undefined,
    },
  } as MatchProperties;
}

function metricMatch(m: MetricMatch | undefined): MatchProperties | undefined {
  if (!m) return undefined;
  return {
    match_type: m.match_type === 'regexp' ? 'regexp' : 'strict',
    metric_names: m.metric_names,
    resources: m.resource_attributes,
  } as MatchProperties;
}

export function planOf(config: FilterConfig, signal: Signal): FilterPlan {
  const sets = conditionSetsOf(config, signal);
  const plan: FilterPlan = {
    resource: sets.filter((s) => s.context === 'resource'),
    scope: sets.filter((s) => s.context === 'scope'),
    item: sets.filter((s) => s.context === ITEM[signal]),
    sub: sets.filter((s) => s.context === SUB[signal]),
  };
  if (signal === 'traces')
    plan.keep = compileIncludeExclude(config.spans.include, config.spans.exclude, 'traces');
  else if (signal === 'logs')
    plan.keep = compileIncludeExclude(logMatch(config.logs.include), logMatch(config.logs.exclude), 'logs');
  else
    plan.keep = compileIncludeExclude(
      metricMatch(config.metrics.include),
      metricMatch(config.metrics.exclude),
      'metrics',
    );
  return plan;
}

export const factory: ProcessorFactory<FilterConfig> = {
  kind: 'processor',
  type: 'filter',
  description:
    'Drops spans, span events, metrics, data points and logs matching OTTL conditions or match rules',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create: (settings, config, signal, next) =>
    new FilterProcessor(signal, planOf(config, signal), new ErrorReporter(settings.logger), next),
};
