// OTTL contexts: the telemetry a statement runs against. One TransformContext
// object is reused for every item (no allocation per item); a processor sets
// the fields of the level it iterates at. Context names and the higher
// contexts each one can reach follow the collector's pkg/ottl/contexts.
import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SpanEvent,
  SummaryDataPoint,
} from '../pdata/types.js';

export type ContextName = 'resource' | 'scope' | 'span' | 'spanevent' | 'metric' | 'datapoint' | 'log';

export const CONTEXT_NAMES: readonly ContextName[] = [
  'resource',
  'scope',
  'span',
  'spanevent',
  'metric',
  'datapoint',
  'log',
];

export type DataPoint =
  | NumberDataPoint
  | HistogramDataPoint
  | ExponentialHistogramDataPoint
  | SummaryDataPoint;

/** The contexts whose paths a context can read (itself first), as in the collector's path parsers. */
export const REACHABLE: Record<ContextName, readonly ContextName[]> = {
  resource: ['resource'],
  scope: ['scope', 'resource'],
  span: ['span', 'resource', 'scope'],
  spanevent: ['spanevent', 'span', 'resource', 'scope'],
  log: ['log', 'resource', 'scope'],
  metric: ['metric', 'resource', 'scope'],
  datapoint: ['datapoint', 'metric', 'resource', 'scope'],
};

/** Path prefixes naming a context (`instrumentation_scope` is the legacy name of `scope`). */
export function prefixContext(name: string): ContextName | undefined {
  if (name === 'instrumentation_scope') return 'scope';
  return (CONTEXT_NAMES as readonly string[]).includes(name) ? (name as ContextName) : undefined;
}

/** How deep in the data a path reaches: resource and scope paths never touch spans or log records. */
export type Level = 0 | 1 | 2; // resource, scope, item (span, event, log, metric, data point)

export const LEVEL: Record<ContextName, Level> = {
  resource: 0,
  scope: 1,
  span: 2,
  spanevent: 2,
  log: 2,
  metric: 2,
  datapoint: 2,
};

/** Holder of a schema URL (ResourceSpans, ScopeLogs, ...). */
export interface SchemaHolder {
  schemaUrl: string;
}

/**
 * The telemetry one evaluation sees. Fields below the context's level are
 * whatever the last item left there; statements only reach what their
 * context allows, so they never read them.
 */
export class TransformContext {
  resource!: Resource;
  resourceEntry!: SchemaHolder;
  scope!: InstrumentationScope;
  scopeEntry!: SchemaHolder;
  span!: Span;
  event!: SpanEvent;
  log!: LogRecord;
  metric!: Metric;
  point!: DataPoint;
  /** The `cache` map of the current evaluation (cleared per item unless shared). */
  cache: KeyValue[] = [];

  setResource(resource: Resource, entry: SchemaHolder): this {
    this.resource = resource;
    this.resourceEntry = entry;
    return this;
  }

  setScope(scope: InstrumentationScope, entry: SchemaHolder): this {
    this.scope = scope;
    this.scopeEntry = entry;
    return this;
  }
}
