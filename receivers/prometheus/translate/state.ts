// What a target's scrape loop remembers between scrapes about its resources,
// scopes, families and points: each point's OTLP attributes and the start-time
// bookkeeping of the collector's metrics adjuster. Per-scrape accumulators live
// on the same objects, stamped with the scrape's iteration. (Each series' own
// state is in series-table.ts.)
import { nextSeriesRef } from '../../../src/pdata/lazy-points.js';
import type { ParsedExemplar } from '../exposition/types.js';
import type { OtlpKind } from './classify.js';

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
  /**
   * Point groups touched in the current scrape, in first-seen order: the first
   * `count` (the scrape fills them in place, then TargetSeries.settle() cuts the
   * array to `count`). One array for the family's life, not one per scrape: an
   * array of 58k groups, promoted each scrape, was a full GC sooner.
   */
  readonly groups: GroupState[] = [];
  count = 0;
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

/** GroupNumbers: the doubles of a group, WIDTH per slot. */
const TIME_MS = 0;
const VALUE = 1;
const CREATED_SECONDS = 2;
const PREV_VALUE = 3;
const WIDTH = 4;

/**
 * The double-valued fields of a target's point groups, in one Float64Array (a
 * slot of WIDTH per group): as object fields each was a boxed heap number, 4 per
 * group, all traced by every full GC. A slot is reused once its group is released.
 */
export class GroupNumbers {
  cols = new Float64Array(1024 * WIDTH);
  private readonly free: number[] = [];
  private next = 0;

  /** A zeroed slot. */
  alloc(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if ((slot + 1) * WIDTH > this.cols.length) {
        const cols = new Float64Array(this.cols.length * 2);
        cols.set(this.cols);
        this.cols = cols;
      }
    } else this.cols.fill(0, slot * WIDTH, slot * WIDTH + WIDTH);
    return slot;
  }

  /** Gives a slot back (its group is no longer read). */
  release(slot: number): void {
    this.free.push(slot);
  }
}

/** For groups made without a store of their own (the reference implementation in tests): never released. */
const SHARED_NUMBERS = new GroupNumbers();

/** One OTLP data point identity: a family and a label set (without le / quantile). */
export class GroupState {
  lastSeenIter = 0;
  /** The scrape these parts belong to. */
  iter = -1;
  flags = 0;
  otlpName = '';
  exemplars: ParsedExemplar[] | undefined;
  // the start-time adjuster's memory (initial point / reset detection): startNs and prevValue
  startNs = 0n;
  /** Stands for `attrs` in point columns (src/pdata/lazy-points.ts): what an exporter derived from them is kept by it. */
  readonly ref = nextSeriesRef();
  /** Where timeMs, value, createdSeconds and prevValue are kept in `numbers`. */
  readonly slot: number;
  constructor(
    readonly family: FamilyState,
    /** Flattened sorted attribute pairs: [k0, v0, k1, v1, ...]. */
    readonly attrs: string[],
    readonly numbers: GroupNumbers = SHARED_NUMBERS,
  ) {
    this.slot = numbers.alloc();
  }

  get timeMs(): number {
    return this.numbers.cols[this.slot * WIDTH + TIME_MS];
  }
  set timeMs(v: number) {
    this.numbers.cols[this.slot * WIDTH + TIME_MS] = v;
  }
  get value(): number {
    return this.numbers.cols[this.slot * WIDTH + VALUE];
  }
  set value(v: number) {
    this.numbers.cols[this.slot * WIDTH + VALUE] = v;
  }
  get createdSeconds(): number {
    return this.numbers.cols[this.slot * WIDTH + CREATED_SECONDS];
  }
  set createdSeconds(v: number) {
    this.numbers.cols[this.slot * WIDTH + CREATED_SECONDS] = v;
  }
  get prevValue(): number {
    return this.numbers.cols[this.slot * WIDTH + PREV_VALUE];
  }
  set prevValue(v: number) {
    this.numbers.cols[this.slot * WIDTH + PREV_VALUE] = v;
  }

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
  /**
   * Buckets or quantiles of this scrape: boundaries and values, the first
   * `bucketCount` (filled in place, cut by settle(): a length set to 0 would
   * drop their storage, and a new one be grown and promoted every scrape).
   */
  readonly bounds: number[] = [];
  readonly boundValues: number[] = [];
  bucketCount = 0;

  override begin(iter: number): void {
    super.begin(iter);
    this.bucketCount = 0;
  }

  addBucket(bound: number, value: number): void {
    const i = this.bucketCount++;
    if (i < this.bounds.length) {
      this.bounds[i] = bound;
      this.boundValues[i] = value;
    } else {
      this.bounds.push(bound);
      this.boundValues.push(value);
    }
  }

  /** Cuts the buckets to this scrape's. */
  settle(): void {
    if (this.bounds.length !== this.bucketCount) {
      this.bounds.length = this.bucketCount;
      this.boundValues.length = this.bucketCount;
    }
  }
}

export enum Special {
  None = 0,
  TargetInfo = 1,
  ScopeInfo = 2,
}
