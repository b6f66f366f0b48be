// state.ts as it was before GroupNumbers (tests only: see object-target-series.ts).
// What a target's scrape loop remembers between scrapes, so a series seen
// before costs a map lookup and a number parse: the series' labels after
// target labels and metric_relabel_configs (or that they were dropped), its
// OTLP attributes, its family and point, and the start-time bookkeeping of the
// collector's metrics adjuster. Per-scrape accumulators live on the same
// objects, stamped with the scrape's iteration.
import { nextSeriesRef } from '../../../../src/pdata/lazy-points.js';
import type { ParsedExemplar } from '../../exposition/types.js';
import type { OtlpKind, Role } from '../classify.js';

/** One (job, instance): an OTLP resource. */
export class ResourceState {
  /** target_info labels of the current scrape. */
  info: [string, string][] = [];
  /** otel_scope_info of the current scrape, by `name\u000fversion\u000fschema`. */
  readonly scopeInfo = new Map<string, [string, string][]>();
  infoIter = -1;
  lastSeenIter = 0;
  constructor(
    readonly job: string,
    readonly instance: string,
  ) {}
}

/** One instrumentation scope within a resource (otel_scope_* labels). */
export class ScopeState {
  lastSeenIter = 0;
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
  lastSeenIter = 0;
  constructor(
    readonly scope: ScopeState,
    readonly familyKey: string,
    readonly kind: OtlpKind,
    readonly metadataName: string | undefined,
  ) {}
}

/** GroupState.flags */
export const HAS_VALUE = 1;
export const HAS_COUNT = 2;
export const HAS_SUM = 4;
export const STALE = 8;
export const HAS_START = 16;

/** One OTLP data point identity: a family and a label set (without le / quantile). */
export class GroupState {
  lastSeenIter = 0;
  /** The scrape these parts belong to. */
  iter = -1;
  flags = 0;
  otlpName = '';
  timeMs = 0;
  value = 0;
  createdSeconds = 0;
  exemplars: ParsedExemplar[] | undefined;
  // the start-time adjuster's memory (initial point / reset detection)
  startNs = 0n;
  prevValue = 0;
  /** Stands for `attrs` in point columns (src/pdata/lazy-points.ts): what an exporter derived from them is kept by it. */
  readonly ref = nextSeriesRef();
  constructor(
    readonly family: FamilyState,
    /** Flattened sorted attribute pairs: [k0, v0, k1, v1, ...]. */
    readonly attrs: string[],
  ) {}

  begin(iter: number): void {
    this.iter = iter;
    this.flags &= HAS_START;
    this.createdSeconds = 0;
    this.timeMs = 0;
    if (this.exemplars) this.exemplars = undefined;
  }
}

/** A histogram's or summary's point: count, sum and the buckets or quantiles. */
export class DistributionState extends GroupState {
  count = 0;
  sum = 0;
  prevCount = 0;
  prevSum = 0;
  /** Buckets or quantiles of this scrape: boundaries and values. */
  readonly bounds: number[] = [];
  readonly boundValues: number[] = [];

  override begin(iter: number): void {
    super.begin(iter);
    this.bounds.length = 0;
    this.boundValues.length = 0;
  }
}

export enum Special {
  None = 0,
  TargetInfo = 1,
  ScopeInfo = 2,
}

/** One series as written in the exposition (the cache key), or one of the report series. */
export class SeriesEntry {
  lastSeenIter = -1;
  /** Set when the sample carried its own timestamp (and honor_timestamps): no staleness marker then. */
  explicitTs = false;
  /** metric_relabel_configs dropped it. */
  dropped = false;
  /** Why every scrape with this series fails (label limits, duplicate label names). */
  error: string | undefined;
  /** The metadata epoch the classification below belongs to. */
  epoch = -1;
  role: Role = 'value';
  otlpName = '';
  boundary = 0;
  special: Special = Special.None;
  group: GroupState | undefined;
  /** Final labels, kept only where they are read again (report series, target_info, otel_scope_info). */
  labels: [string, string][] | undefined;
  constructor(
    /** The series text (cache key), or the report series' name. */
    readonly key: string,
    readonly isReport: boolean,
  ) {}
}
