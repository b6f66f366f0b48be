// What a target's scrape loop remembers between scrapes, so a series seen
// before costs a map lookup and a number parse: the series' labels after
// target labels and metric_relabel_configs (or that they were dropped), its
// OTLP attributes, its family and point, and the start-time bookkeeping of the
// collector's metrics adjuster. Per-scrape accumulators live on the same
// objects, stamped with the scrape's iteration.
import type { ParsedExemplar } from '../exposition/types.js';
import type { OtlpKind, Role } from './classify.js';

/** One (job, instance): an OTLP resource. */
export class ResourceState {
  /** target_info labels of the current scrape. */
  info: [string, string][] = [];
  /** otel_scope_info of the current scrape, by `name\u000fversion\u000fschema`. */
  readonly scopeInfo = new Map<string, [string, string][]>();
  infoIter = -1;
  lastSeenMs = 0;
  constructor(
    readonly job: string,
    readonly instance: string,
  ) {}
}

/** One instrumentation scope within a resource (otel_scope_* labels). */
export class ScopeState {
  lastSeenMs = 0;
  constructor(
    readonly resource: ResourceState,
    readonly name: string,
    readonly version: string,
    readonly schemaUrl: string,
    readonly attributes: [string, string][],
  ) {}
}

/** One metric of one scope: its points are gathered here during a scrape. */
export class FamilyState {
  iter = -1;
  /** Point groups touched in the current scrape, in first-seen order. */
  groups: GroupState[] = [];
  lastSeenMs = 0;
  constructor(
    readonly scope: ScopeState,
    readonly familyKey: string,
    readonly kind: OtlpKind,
    readonly metadataName: string | undefined,
  ) {}
}

/** One OTLP data point identity: a family and a label set (without le / quantile). */
export class GroupState {
  lastSeenMs = 0;
  // the current scrape's parts
  iter = -1;
  otlpName = '';
  timeMs = 0;
  value = 0;
  hasValue = false;
  count = 0;
  hasCount = false;
  sum = 0;
  hasSum = false;
  createdSeconds = 0;
  stale = false;
  bounds: number[] = [];
  boundValues: number[] = [];
  exemplars: ParsedExemplar[] = [];
  // the start-time adjuster's memory (initial point / reset detection)
  hasStart = false;
  startNs = 0n;
  prevValue = 0;
  prevCount = 0;
  prevSum = 0;
  constructor(
    readonly family: FamilyState,
    /** Flattened sorted attribute pairs: [k0, v0, k1, v1, ...]. */
    readonly attrs: string[],
  ) {}

  begin(iter: number): void {
    this.iter = iter;
    this.hasValue = false;
    this.hasCount = false;
    this.hasSum = false;
    this.createdSeconds = 0;
    this.stale = false;
    this.timeMs = 0;
    if (this.bounds.length) {
      this.bounds = [];
      this.boundValues = [];
    }
    if (this.exemplars.length) this.exemplars = [];
  }
}

/** One series as written in the exposition. */
export class SeriesEntry {
  lastSeenIter = -1;
  lastSeenMs = 0;
  /** Set when the sample carried its own timestamp (and honor_timestamps): no staleness marker then. */
  explicitTs = false;
  /** The metadata epoch the classification below belongs to. */
  epoch = -1;
  role: Role = 'value';
  otlpName = '';
  boundary = 0;
  group: GroupState | undefined;
  constructor(
    /** metric_relabel_configs dropped it. */
    readonly dropped: boolean,
    /** Why every scrape with this series fails (label limits, duplicate label names). */
    readonly error: string | undefined,
    /** Final labels, sorted by name (with __name__), when not dropped. */
    readonly labels: [string, string][],
    /** Report series (up, scrape_*) that Prometheus adds itself. */
    readonly isReport: boolean,
  ) {}
}
