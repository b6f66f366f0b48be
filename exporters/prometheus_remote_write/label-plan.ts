// The labels of a series, worked out once and replayed for every point that
// shares them. What a resource + scope gives every series (promoted resource
// attributes, otel_scope_* labels, job, instance, external labels) is encoded
// once per scope; a "plan" merges those, in name order, with the attribute keys
// of a point (sanitized, colliding names joined with ";"), so writing a series
// is copying encoded labels and writing the attribute values between them — no
// label array, map or sort per series. The precedence is the translator's
// (src/translator/prometheus/to-prometheus-labels.ts pointLabels): point
// attributes win over promoted resource attributes and external labels; scope
// labels, job and instance win over point attributes; __name__ and le/quantile
// win over everything.
import { anyValueToString } from '../../src/pdata/attributes.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';
import { normalizeLabel } from '../../src/translator/prometheus/normalize-name.js';
import type { LabelRules, ScopeLabelBase } from '../../src/translator/prometheus/to-prometheus-labels.js';
import { labelHash, lanes, nameSeeds, valueHash } from './label-hash.js';
import { ProtoWriter } from './proto-writer.js';
import { cacheId } from './series-cache.js';

/** TimeSeries.labels (field 1, length-delimited). */
const LABEL_TAG = 0x0a;

const OpKind = {
  /** A label encoded beforehand (copied). */
  Fixed: 0,
  /** The value of one point attribute. */
  Attr: 1,
  /** The values of several point attributes whose names collide, joined with ";". */
  Joined: 2,
  /** A value given when the series is written (le, quantile). */
  Extra: 3,
} as const;
type OpKind = (typeof OpKind)[keyof typeof OpKind];

export class LabelOp {
  constructor(
    readonly name: string,
    readonly kind: OpKind,
    /** Fixed: the whole Label field; otherwise Label.name's field (tag, length, bytes). */
    readonly bytes: Uint8Array,
    /** Attr: the attribute's index in the point's list; Joined: the indexes in key order. */
    readonly attrs: number[],
    /** Fixed: the label's hash (label-hash.ts), both lanes; otherwise the name's seeds for the value's. */
    readonly h1: number,
    readonly h2: number,
  ) {}
}

function fixedOp(name: string, value: string): LabelOp {
  const [h1, h2] = labelHash(name, value);
  return new LabelOp(name, OpKind.Fixed, encodeLabel(name, value), [], h1, h2);
}

function valueOp(name: string, kind: OpKind, attrs: number[]): LabelOp {
  const [h1, h2] = nameSeeds(name);
  return new LabelOp(name, kind, encodeName(name), attrs, h1, h2);
}

const scratch = new ProtoWriter(256);

/** A whole TimeSeries.labels field: name and value. */
export function encodeLabel(name: string, value: string): Uint8Array {
  scratch.pos = 0;
  scratch.byte(LABEL_TAG);
  const s = scratch.begin();
  scratch.string(1, name);
  scratch.string(2, value);
  scratch.end(s);
  return Uint8Array.prototype.slice.call(scratch.buf, 0, scratch.pos);
}

/** Label.name's field alone. */
function encodeName(name: string): Uint8Array {
  scratch.pos = 0;
  scratch.string(1, name);
  return Uint8Array.prototype.slice.call(scratch.buf, 0, scratch.pos);
}

/** A plan: the ops of a series' labels in name order, and the plans derived from it. */
export class LabelPlan {
  private readonly withNames = new Map<string, LabelPlan>();
  private withExtras: Map<string, LabelPlan> | undefined;
  /** What the series' labels are written from: `ops` with neighbouring fixed labels joined into one copy. */
  readonly steps: LabelOp[];

  constructor(readonly ops: LabelOp[]) {
    this.steps = [];
    for (const op of ops) {
      const last = this.steps[this.steps.length - 1];
      if (op.kind === OpKind.Fixed && last?.kind === OpKind.Fixed) {
        const joined = new Uint8Array(last.bytes.length + op.bytes.length);
        joined.set(last.bytes);
        joined.set(op.bytes, last.bytes.length);
        const h1 = (last.h1 + op.h1) | 0;
        const h2 = (last.h2 + op.h2) | 0;
        this.steps[this.steps.length - 1] = new LabelOp(op.name, OpKind.Fixed, joined, [], h1, h2);
      } else this.steps.push(op);
    }
  }

  /** This plan with `__name__` set to `name` (it wins over any other label of that name). */
  withName(name: string): LabelPlan {
    let p = this.withNames.get(name);
    if (!p) {
      if (this.withNames.size >= MAX_NAMES) this.withNames.clear();
      p = new LabelPlan(insert(this.ops, fixedOp('__name__', name)));
      this.withNames.set(name, p);
    }
    return p;
  }

  /** This plan with a label whose value comes with each series (le, quantile); it wins over all. */
  withExtra(name: string): LabelPlan {
    this.withExtras ??= new Map();
    let p = this.withExtras.get(name);
    if (!p) {
      p = new LabelPlan(insert(this.ops, valueOp(name, OpKind.Extra, [])));
      this.withExtras.set(name, p);
    }
    return p;
  }
}

/** `op` inserted in name order, replacing an op of the same name. */
function insert(ops: LabelOp[], op: LabelOp): LabelOp[] {
  const out: LabelOp[] = [];
  let placed = false;
  for (const o of ops) {
    if (!placed && op.name <= o.name) {
      out.push(op);
      placed = true;
      if (op.name === o.name) continue;
    }
    out.push(o);
  }
  if (!placed) out.push(op);
  return out;
}

/** Metric names a plan keeps its named plans for. */
const MAX_NAMES = 4096;
/** Attribute layouts a scope's plans are kept for (the encoder keeps scopes across requests). */
const MAX_LAYOUTS = 1024;

interface FixedLabel {
  name: string;
  value: string;
  /** Wins over a point attribute of the same name (scope labels, job, instance). */
  wins: boolean;
}

/** What every series of one resource + scope shares, and the plans for its points' attribute layouts. */
export class ScopeLabels {
  /** Its identity in the series label cache (series-cache.ts). */
  readonly cacheId = cacheId();
  private readonly fixed: FixedLabel[];
  private readonly fixedOps: LabelOp[];
  private lastKeys: string[] = [];
  private lastPlan: LabelPlan | undefined;
  private readonly plans = new Map<string, LabelPlan>();

  constructor(base: ScopeLabelBase, rules: LabelRules) {
    const m = new Map<string, FixedLabel>();
    for (const [name, value] of base.promoted) m.set(name, { name, value, wins: false });
    for (const [name, value] of base.scope) m.set(name, { name, value, wins: true });
    if (base.job !== undefined) m.set('job', { name: 'job', value: base.job, wins: true });
    if (base.instance !== undefined)
      m.set('instance', { name: 'instance', value: base.instance, wins: true });
    for (const [name, value] of rules.extraLabels)
      if (!m.has(name)) m.set(name, { name, value, wins: false });
    this.fixed = [...m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.fixedOps = this.fixed.map((f) => fixedOp(f.name, f.value));
  }

  /** The plan for a point with these attributes (the same keys in the same order → the same plan). */
  planFor(attrs: KeyValue[]): LabelPlan {
    const last = this.lastKeys;
    if (this.lastPlan !== undefined && last.length === attrs.length) {
      let same = true;
      for (let i = 0; i < attrs.length; i++)
        if (attrs[i].key !== last[i]) {
          same = false;
          break;
        }
      if (same) return this.lastPlan;
    }
    const keys = attrs.map((kv) => kv.key);
    const id = keys.join('\u0000');
    let plan = this.plans.get(id);
    if (!plan) {
      if (this.plans.size >= MAX_LAYOUTS) this.plans.clear();
      plan = this.build(keys);
      this.plans.set(id, plan);
    }
    this.lastKeys = keys;
    this.lastPlan = plan;
    return plan;
  }

  /** planFor() for attributes given flattened as [k0, v0, k1, v1, ...] (columns, src/pdata/lazy-points.ts). */
  planForFlat(flat: readonly string[]): LabelPlan {
    const last = this.lastKeys;
    if (this.lastPlan !== undefined && last.length * 2 === flat.length) {
      let same = true;
      for (let i = 0; i < last.length; i++)
        if (flat[2 * i] !== last[i]) {
          same = false;
          break;
        }
      if (same) return this.lastPlan;
    }
    const keys: string[] = new Array(flat.length / 2);
    for (let i = 0; i < keys.length; i++) keys[i] = flat[2 * i];
    const id = keys.join('\u0000');
    let plan = this.plans.get(id);
    if (!plan) {
      if (this.plans.size >= MAX_LAYOUTS) this.plans.clear();
      plan = this.build(keys);
      this.plans.set(id, plan);
    }
    this.lastKeys = keys;
    this.lastPlan = plan;
    return plan;
  }

  private build(keys: string[]): LabelPlan {
    // attributes by key (stable), grouped by sanitized name: a group of several joins its values with ";"
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const groups = new Map<string, number[]>();
    for (const i of order) {
      const name = normalizeLabel(keys[i]);
      if (name === '') continue;
      const g = groups.get(name);
      if (g) g.push(i);
      else groups.set(name, [i]);
    }
    const fixedByName = new Map(this.fixed.map((f, i) => [f.name, i]));
    const names = [...new Set([...groups.keys(), ...fixedByName.keys()])].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const ops: LabelOp[] = [];
    for (const name of names) {
      const g = groups.get(name);
      const f = fixedByName.get(name);
      if (f !== undefined && (g === undefined || this.fixed[f].wins)) ops.push(this.fixedOps[f]);
      else if (g !== undefined) ops.push(valueOp(name, g.length === 1 ? OpKind.Attr : OpKind.Joined, g));
    }
    return new LabelPlan(ops);
  }
}

/**
 * The second lane of the hash of the labels writePlanLabels wrote last (the
 * first is its result); after writePlanLabelsFlatAround, where the value label was left out.
 */
export const labelsHash = { h2: 0, extraAt: -1 };

/**
 * Writes the TimeSeries.labels of a series: the plan replayed with this point's
 * values. Returns the label set's hash (first lane; the second in labelsHash.h2).
 */
export function writePlanLabels(w: ProtoWriter, plan: LabelPlan, attrs: KeyValue[], extra: string): number {
  const steps = plan.steps;
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < steps.length; i++) {
    const op = steps[i];
    const kind = op.kind;
    if (kind === OpKind.Fixed) {
      w.raw(op.bytes);
      h1 = (h1 + op.h1) | 0;
      h2 = (h2 + op.h2) | 0;
      continue;
    }
    let n: number;
    if (kind === OpKind.Attr) {
      const v = attrs[op.attrs[0]].value as { stringValue?: unknown; intValue?: unknown };
      const str = v.stringValue;
      if (typeof str === 'string') n = w.label(op.bytes, str);
      else {
        const int = v.intValue;
        // a bigint outside ±(2^53 - 1) never becomes a safe integer: no bigint comparisons needed
        const num = typeof int === 'bigint' ? Number(int) : Number.NaN;
        if (Number.isSafeInteger(num)) n = w.intLabel(op.bytes, num);
        else n = w.label(op.bytes, anyValueToString(v as AnyValue));
      }
    } else if (kind === OpKind.Joined)
      n = w.label(op.bytes, op.attrs.map((j) => anyValueToString(attrs[j].value)).join(';'));
    else n = w.label(op.bytes, extra);
    // the value's bytes end the label just written
    valueHash(op.h1, op.h2, w.buf, w.pos - n, w.pos);
    h1 = (h1 + lanes.a) | 0;
    h2 = (h2 + lanes.b) | 0;
  }
  labelsHash.h2 = h2;
  return h1;
}

/** writePlanLabels() for string attributes flattened as [k0, v0, k1, v1, ...]: the same bytes and hash. */
export function writePlanLabelsFlat(
  w: ProtoWriter,
  plan: LabelPlan,
  flat: readonly string[],
  extra: string,
): number {
  const steps = plan.steps;
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < steps.length; i++) {
    const op = steps[i];
    const kind = op.kind;
    if (kind === OpKind.Fixed) {
      w.raw(op.bytes);
      h1 = (h1 + op.h1) | 0;
      h2 = (h2 + op.h2) | 0;
      continue;
    }
    let n: number;
    if (kind === OpKind.Attr) n = w.label(op.bytes, flat[2 * op.attrs[0] + 1]);
    else if (kind === OpKind.Joined) n = w.label(op.bytes, op.attrs.map((j) => flat[2 * j + 1]).join(';'));
    else n = w.label(op.bytes, extra);
    valueHash(op.h1, op.h2, w.buf, w.pos - n, w.pos);
    h1 = (h1 + lanes.a) | 0;
    h2 = (h2 + lanes.b) | 0;
  }
  labelsHash.h2 = h2;
  return h1;
}

/** Writes labels given as sorted [name, value] pairs (target_info, exemplars); returns their hash as writePlanLabels. */
export function writeLabelPairs(w: ProtoWriter, field: number, labels: [string, string][]): number {
  let h1 = 0;
  let h2 = 0;
  for (const [name, value] of labels) {
    const s = w.open(field);
    w.string(1, name);
    w.string(2, value);
    w.end(s);
    const [a, b] = labelHash(name, value);
    h1 = (h1 + a) | 0;
    h2 = (h2 + b) | 0;
  }
  labelsHash.h2 = h2;
  return h1;
}

/**
 * writePlanLabelsFlat() without the plan's value label (le, quantile): the
 * labels before it, then those after it; where it goes is labelsHash.extraAt.
 * Returns the hash of the labels written (the second lane in labelsHash.h2):
 * with the value label's hash added, the whole set's.
 */
export function writePlanLabelsFlatAround(w: ProtoWriter, plan: LabelPlan, flat: readonly string[]): number {
  const steps = plan.steps;
  let h1 = 0;
  let h2 = 0;
  labelsHash.extraAt = -1;
  for (let i = 0; i < steps.length; i++) {
    const op = steps[i];
    const kind = op.kind;
    if (kind === OpKind.Fixed) {
      w.raw(op.bytes);
      h1 = (h1 + op.h1) | 0;
      h2 = (h2 + op.h2) | 0;
      continue;
    }
    let n: number;
    if (kind === OpKind.Attr) n = w.label(op.bytes, flat[2 * op.attrs[0] + 1]);
    else if (kind === OpKind.Joined) n = w.label(op.bytes, op.attrs.map((j) => flat[2 * j + 1]).join(';'));
    else {
      labelsHash.extraAt = w.pos;
      continue;
    }
    valueHash(op.h1, op.h2, w.buf, w.pos - n, w.pos);
    h1 = (h1 + lanes.a) | 0;
    h2 = (h2 + lanes.b) | 0;
  }
  if (labelsHash.extraAt < 0) throw new Error('the plan has no value label');
  labelsHash.h2 = h2;
  return h1;
}
