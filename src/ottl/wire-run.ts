// Span conditions that drop spans (a filter) run on a ResourceSpans whose spans
// are still the request's wire bytes, by one pass over them
// (codec/wire-span-pass.ts): no span object, attribute index or string per
// span, and the list stays wire bytes, rewritten only when a span was dropped
// (the spans kept copied as runs of bytes). Only what wire-shape.ts admits runs
// this way: conditions on span attributes by constant keys and on resource paths.
//
// The compiled conditions themselves run, as in the general evaluation, over a
// stand-in span (SpanView) that answers the attribute fast paths (attr-fast.ts)
// from the pass's view of the current span's bytes. Whatever it cannot answer
// (an AnyValue encoded unusually, an int past 2^49, any error) makes the pass
// give up on the whole entry, untouched, and the caller runs the general way.
import { keepScopeSpansBytes } from '../codec/proto-traces.js';
import { shapeBytesAre, shapeNumberIn, valueShape } from '../codec/wire-item.js';
import {
  PASS_BAIL,
  PASS_GAVE_UP,
  PASS_UNCHANGED,
  SPAN_DROP,
  SPAN_KEEP,
  SpanPass,
} from '../codec/wire-span-pass.js';
import { SHAPE_ABSENT } from '../pdata/attributes.js';
import { lazyItemCount, rawList } from '../pdata/lazy.js';
import type { ResourceSpans, Span } from '../pdata/types.js';
import type { BoolFn, CompiledCondition } from './compile.js';
import type { TransformContext } from './context.js';

/** Off: every entry takes the general way (tests compare the two). */
export const wirePasses = { enabled: true };

const bail = (): never => {
  throw PASS_BAIL;
};

/**
 * The span the compiled conditions see during a pass: the attribute shape reads (attr-fast.ts)
 * answered from the current span's bytes; anything else gives up.
 */
class SpanView {
  constructor(
    private readonly keys: string[],
    private readonly pass: SpanPass,
  ) {}

  attributeShape(key: string, _utf8: Uint8Array): number {
    const keys = this.keys;
    let s = 0;
    while (s < keys.length && keys[s] !== key) s++;
    if (s === keys.length) return bail();
    const p = this.pass;
    if (p.pairAt[s] < 0) return SHAPE_ABSENT;
    return valueShape(p.src, p.valueAt[s], p.pairEnd[s]);
  }

  attributeShapeStringIs(b: Uint8Array): boolean {
    return shapeBytesAre(this.pass.src, b);
  }

  attributeShapeNumber(kind: number): number | undefined {
    return shapeNumberIn(this.pass.src, this.pass.dv, kind);
  }

  // the general reading of an attribute, and every other span field: not answered here
  getAttribute(): never {
    return bail();
  }
  getAttributeValue(): never {
    return bail();
  }
  setAttribute(): never {
    return bail();
  }
}

for (const field of [
  'traceId',
  'spanId',
  'traceState',
  'parentSpanId',
  'flags',
  'name',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'attributes',
  'droppedAttributesCount',
  'events',
  'droppedEventsCount',
  'links',
  'droppedLinksCount',
  'status',
])
  Object.defineProperty(SpanView.prototype, field, { get: bail, set: bail });

/**
 * ORed span conditions that drop the spans they hold for, compiled for the pass. One per filter:
 * not reentrant (a pass runs to its end synchronously).
 */
export class WireSpanDrops {
  private readonly pass: SpanPass;
  private readonly view: SpanView;
  private ctx: TransformContext | undefined;

  private constructor(
    keys: string[],
    private readonly conditions: BoolFn[],
  ) {
    this.pass = new SpanPass(keys);
    this.view = new SpanView(keys, this.pass);
  }

  /** For span conditions the pass can all run (undefined otherwise). */
  static of(conditions: CompiledCondition[]): WireSpanDrops | undefined {
    if (conditions.length === 0 || !conditions.every((c) => c.wire !== undefined)) return undefined;
    const keys = [...new Set(conditions.flatMap((c) => c.wire!.keys))];
    if (keys.length > 31) return undefined;
    return new WireSpanDrops(
      keys,
      conditions.map((c) => c.eval),
    );
  }

  /**
   * Drops the spans of `rs` the conditions hold for, if they are still wire bytes (ScopeSpans left
   * empty go too); `ctx` holds its resource. Returns the spans left, or -1 when the entry must take
   * the general way (nothing was changed).
   */
  run(rs: ResourceSpans, ctx: TransformContext): number {
    if (!wirePasses.enabled) return -1;
    const raw = rawList(rs);
    if (raw === undefined) return -1;
    this.ctx = ctx;
    const span = ctx.span;
    ctx.span = this.view as unknown as Span;
    try {
      const r = this.pass.run(raw, this.visit, true);
      if (r === PASS_GAVE_UP) return -1;
      // unchanged: still the kept bytes, whose count the lazy list knows
      if (r === PASS_UNCHANGED) return lazyItemCount(rs) ?? 0;
      keepScopeSpansBytes(rs, r.bytes, r.items);
      return r.items;
    } finally {
      ctx.span = span;
      this.ctx = undefined;
    }
  }

  private readonly visit = (): number => {
    const ctx = this.ctx as TransformContext;
    const conds = this.conditions;
    try {
      for (let i = 0; i < conds.length; i++) if (conds[i](ctx)) return SPAN_DROP;
      return SPAN_KEEP;
    } catch {
      // an error the general way reports (or a reading the view cannot answer): that way, whole
      throw PASS_BAIL;
    }
  };
}
