// Path resolution: turns `span.attributes["http.route"]`, `resource.attributes`,
// `log.body["msg"]`, `datapoint.value_int`... into a getter/setter pair once,
// at config time. Field names, types and setter rules follow the collector's
// context READMEs (pkg/ottl/contexts/ottl*): ints are int64 (bigint), IDs are
// bytes, setters reject values of the wrong type with an error.

import {
  type AttributeItem,
  type AttributeValue,
  itemAttribute,
  itemAttributeValue,
  setItemAttribute,
} from '../pdata/attributes.js';
import { EMPTY_BYTES } from '../pdata/create.js';
import type { AnyValue, KeyValue } from '../pdata/types.js';
import type { PathExpr, PathSegment } from './ast.js';
import {
  type ContextName,
  LEVEL,
  type Level,
  prefixContext,
  REACHABLE,
  type TransformContext,
} from './context.js';
import { fail, OttlSyntaxError } from './errors.js';
import {
  asString,
  copyKvs,
  fromAny,
  hex,
  OTime,
  PMap,
  PSlice,
  toAny,
  typeName,
  type Value,
} from './values.js';

export type Getter = (c: TransformContext) => Value;
export type Setter = (c: TransformContext, v: Value) => void;

export interface Accessor {
  get: Getter;
  set?: Setter;
  /** The deepest data level the path touches (resource 0, scope 1, item 2). */
  level: Level;
  /** The context the path belongs to. */
  context: ContextName;
  /** Set when the path is one attribute of an item by a constant key (`span.attributes["k"]`): fast paths read its shape. */
  attr?: ItemAttributeRef;
}

/** An item's attribute by a constant key. */
export interface ItemAttributeRef {
  itemOf: (c: TransformContext) => AttributeItem;
  key: string;
}

/** A compiled key: a constant or evaluated per item (a path or converter inside the brackets). */
export type KeyFn = string | bigint | Getter;

export interface PathOptions {
  /** The context the statement runs in. */
  context: ContextName;
  /** Paths must start with a context name (flat, inferred configuration). */
  requirePrefix: boolean;
  /** The full statement text, for messages. */
  source: string;
  compileKey: (e: import('./ast.js').Expr) => KeyFn;
}

export function pathText(p: PathExpr, source: string): string {
  return source.slice(p.pos, p.end);
}

/** The context a path names with its first segment, if it does. */
export function pathPrefix(p: PathExpr): ContextName | undefined {
  if (p.segs.length < 2 || p.segs[0].keys.length > 0) return undefined;
  return prefixContext(p.segs[0].name);
}

export function resolvePath(p: PathExpr, o: PathOptions): Accessor {
  const text = pathText(p, o.source);
  const err = (msg: string, at = p.pos): never => {
    throw new OttlSyntaxError(at + 1, msg);
  };
  let ctx = pathPrefix(p);
  let rest: PathSegment[] = p.segs;
  if (ctx) rest = p.segs.slice(1);
  else if (o.requirePrefix)
    err(
      `missing context name for path "${text}", valid options are: ${REACHABLE[o.context].map((c) => `"${c}"`).join(', ')}`,
    );
  else ctx = o.context;
  const pc = ctx as ContextName;
  if (!REACHABLE[o.context].includes(pc))
    err(`path "${text}" belongs to context "${pc}", which the "${o.context}" context cannot access`);
  const head = rest[0];
  const keys = head.keys.map(o.compileKey);
  const sub = rest[1]?.name;
  const tooDeep = (n: number) => {
    if (rest.length > n)
      err(`unknown path "${text}": "${rest[n].name}" is not a field of "${rest[n - 1].name}"`, rest[n].pos);
  };
  const noKeys = () => {
    if (keys.length > 0) err(`path "${text}" does not support keys`, head.keys[0].pos);
    for (const s of rest.slice(1))
      if (s.keys.length > 0) err(`path "${text}" does not support keys`, s.keys[0].pos);
  };
  const acc = (get: Getter, set?: Setter): Accessor => ({ get, set, level: LEVEL[pc], context: pc });

  if (head.name === 'cache') {
    if (pc !== o.context)
      err(
        `access to cache must be performed using the same context, please replace "${text}" with "${o.context}.${text.slice(text.indexOf('.') + 1)}"`,
      );
    tooDeep(1);
    return { ...mapAccess((c) => c.cache, keys), level: LEVEL[pc], context: pc };
  }

  switch (pc) {
    case 'resource':
      switch (head.name) {
        case 'attributes':
          tooDeep(1);
          return { ...mapAccess((c) => c.resource.attributes, keys), level: 0, context: pc };
        case 'dropped_attributes_count':
          noKeys();
          tooDeep(1);
          return acc(
            (c) => BigInt(c.resource.droppedAttributesCount),
            (c, v) => {
              c.resource.droppedAttributesCount = u32(v);
            },
          );
        case 'schema_url':
          noKeys();
          tooDeep(1);
          return acc(
            (c) => c.resourceEntry.schemaUrl,
            (c, v) => {
              c.resourceEntry.schemaUrl = str(v);
            },
          );
      }
      break;
    case 'scope':
      switch (head.name) {
        case 'attributes':
          tooDeep(1);
          return { ...mapAccess((c) => c.scope.attributes, keys), level: 1, context: pc };
        case 'name':
        case 'version': {
          noKeys();
          tooDeep(1);
          const f = head.name;
          return acc(
            (c) => c.scope[f],
            (c, v) => {
              c.scope[f] = str(v);
            },
          );
        }
        case 'dropped_attributes_count':
          noKeys();
          tooDeep(1);
          return acc(
            (c) => BigInt(c.scope.droppedAttributesCount),
            (c, v) => {
              c.scope.droppedAttributesCount = u32(v);
            },
          );
        case 'schema_url':
          noKeys();
          tooDeep(1);
          return acc(
            (c) => c.scopeEntry.schemaUrl,
            (c, v) => {
              c.scopeEntry.schemaUrl = str(v);
            },
          );
      }
      break;
    case 'span': {
      if (head.name === 'attributes') {
        tooDeep(1);
        return {
          ...mapAccess(
            (c) => c.span.attributes,
            keys,
            (c) => c.span,
          ),
          level: 2,
          context: pc,
        };
      }
      if (head.name === 'trace_state') {
        tooDeep(1);
        if (keys.length > 1) err(`path "${text}" supports one key`, head.keys[1].pos);
        if (keys.length === 1) {
          const k = keys[0];
          return acc(
            (c) => traceStateGet(c.span.traceState, keyString(k, c)),
            (c, v) => {
              c.span.traceState = traceStateSet(c.span.traceState, keyString(k, c), str(v));
            },
          );
        }
        return acc(
          (c) => c.span.traceState,
          (c, v) => {
            c.span.traceState = str(v);
          },
        );
      }
      noKeys();
      if (head.name === 'trace_id' || head.name === 'span_id' || head.name === 'parent_span_id') {
        const f = head.name === 'trace_id' ? 'traceId' : head.name === 'span_id' ? 'spanId' : 'parentSpanId';
        return idAccess(acc, (c) => c.span, f, head.name === 'trace_id' ? 16 : 8, sub, err, text, tooDeep);
      }
      if (head.name === 'status') {
        tooDeep(2);
        if (sub === 'code')
          return acc(
            (c) => BigInt(c.span.status.code),
            (c, v) => {
              c.span.status.code = i32(v);
            },
          );
        if (sub === 'message')
          return acc(
            (c) => c.span.status.message,
            (c, v) => {
              c.span.status.message = str(v);
            },
          );
        err(`path "${text}" needs a field: status.code or status.message`);
      }
      if (head.name === 'kind' && sub === 'string') {
        tooDeep(2);
        return acc(
          (c) => SPAN_KIND_STRINGS[c.span.kind] ?? '',
          (c, v) => {
            const i = SPAN_KIND_STRINGS.indexOf(str(v));
            if (i < 0) fail(`unknown span kind string "${String(v)}"`);
            c.span.kind = i;
          },
        );
      }
      tooDeep(1);
      switch (head.name) {
        case 'name':
          return acc(
            (c) => c.span.name,
            (c, v) => {
              c.span.name = str(v);
            },
          );
        case 'kind':
          return acc(
            (c) => BigInt(c.span.kind),
            (c, v) => {
              c.span.kind = i32(v);
            },
          );
        case 'start_time_unix_nano':
          return nanos(acc, (c) => c.span, 'startTimeUnixNano');
        case 'end_time_unix_nano':
          return nanos(acc, (c) => c.span, 'endTimeUnixNano');
        case 'start_time':
          return time(acc, (c) => c.span, 'startTimeUnixNano');
        case 'end_time':
          return time(acc, (c) => c.span, 'endTimeUnixNano');
        case 'dropped_attributes_count':
        case 'dropped_events_count':
        case 'dropped_links_count':
        case 'flags': {
          const f =
            head.name === 'flags'
              ? 'flags'
              : head.name === 'dropped_attributes_count'
                ? 'droppedAttributesCount'
                : head.name === 'dropped_events_count'
                  ? 'droppedEventsCount'
                  : 'droppedLinksCount';
          return acc(
            (c) => BigInt(c.span[f]),
            (c, v) => {
              c.span[f] = u32(v);
            },
          );
        }
      }
      break;
    }
    case 'spanevent':
      if (head.name === 'attributes') {
        tooDeep(1);
        return { ...mapAccess((c) => c.event.attributes, keys), level: 2, context: pc };
      }
      noKeys();
      tooDeep(1);
      switch (head.name) {
        case 'name':
          return acc(
            (c) => c.event.name,
            (c, v) => {
              c.event.name = str(v);
            },
          );
        case 'time_unix_nano':
          return nanos(acc, (c) => c.event, 'timeUnixNano');
        case 'time':
          return time(acc, (c) => c.event, 'timeUnixNano');
        case 'dropped_attributes_count':
          return acc(
            (c) => BigInt(c.event.droppedAttributesCount),
            (c, v) => {
              c.event.droppedAttributesCount = u32(v);
            },
          );
      }
      break;
    case 'log':
      if (head.name === 'attributes') {
        tooDeep(1);
        return {
          ...mapAccess(
            (c) => c.log.attributes,
            keys,
            (c) => c.log,
          ),
          level: 2,
          context: pc,
        };
      }
      if (head.name === 'body') {
        if (sub === 'string') {
          noKeys();
          tooDeep(2);
          return acc(
            (c) => bodyString(c.log.body),
            (c, v) => {
              c.log.body = { stringValue: str(v) };
            },
          );
        }
        tooDeep(1);
        if (keys.length === 0)
          return acc(
            (c) => fromAny(c.log.body),
            (c, v) => {
              c.log.body = toAny(v);
            },
          );
        return { ...valueKeysAccess((c) => c.log.body, 'log bodies', keys), level: 2, context: pc };
      }
      noKeys();
      if (head.name === 'trace_id' || head.name === 'span_id') {
        const f = head.name === 'trace_id' ? 'traceId' : 'spanId';
        return idAccess(acc, (c) => c.log, f, head.name === 'trace_id' ? 16 : 8, sub, err, text, tooDeep);
      }
      tooDeep(1);
      switch (head.name) {
        case 'time_unix_nano':
          return nanos(acc, (c) => c.log, 'timeUnixNano');
        case 'observed_time_unix_nano':
          return nanos(acc, (c) => c.log, 'observedTimeUnixNano');
        case 'time':
          return time(acc, (c) => c.log, 'timeUnixNano');
        case 'observed_time':
          return time(acc, (c) => c.log, 'observedTimeUnixNano');
        case 'severity_number':
          return acc(
            (c) => BigInt(c.log.severityNumber),
            (c, v) => {
              c.log.severityNumber = i32(v);
            },
          );
        case 'severity_text':
          return acc(
            (c) => c.log.severityText,
            (c, v) => {
              c.log.severityText = str(v);
            },
          );
        case 'event_name':
          return acc(
            (c) => c.log.eventName,
            (c, v) => {
              c.log.eventName = str(v);
            },
          );
        case 'dropped_attributes_count':
        case 'flags': {
          const f = head.name === 'flags' ? 'flags' : 'droppedAttributesCount';
          return acc(
            (c) => BigInt(c.log[f]),
            (c, v) => {
              c.log[f] = u32(v);
            },
          );
        }
      }
      break;
    case 'metric':
      if (head.name === 'metadata') {
        tooDeep(1);
        return { ...mapAccess((c) => c.metric.metadata, keys), level: 2, context: pc };
      }
      noKeys();
      tooDeep(1);
      switch (head.name) {
        case 'name':
        case 'description':
        case 'unit': {
          const f = head.name;
          return acc(
            (c) => c.metric[f],
            (c, v) => {
              c.metric[f] = str(v);
            },
          );
        }
        case 'type':
          // Setting the type is a no-op in the collector: use the conversion functions.
          return acc(
            (c) => BigInt(metricType(c.metric)),
            () => {},
          );
        case 'aggregation_temporality':
          return acc(
            (c) => {
              const m = c.metric;
              const d = m.sum ?? m.histogram ?? m.exponentialHistogram;
              return BigInt(d ? d.aggregationTemporality : 0);
            },
            (c, v) => {
              const m = c.metric;
              const d = m.sum ?? m.histogram ?? m.exponentialHistogram;
              const n = i32(v);
              if (d) d.aggregationTemporality = n;
            },
          );
        case 'is_monotonic':
          return acc(
            (c) => c.metric.sum?.isMonotonic ?? false,
            (c, v) => {
              if (typeof v !== 'boolean') fail(`expected bool but got ${typeName(v)}`);
              if (c.metric.sum) c.metric.sum.isMonotonic = v;
            },
          );
      }
      break;
    case 'datapoint':
      return datapointPath(head.name, keys, sub, acc, err, text, tooDeep, noKeys);
  }
  return err(`unknown path "${text}" for context "${pc}"`);
}

const SPAN_KIND_STRINGS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

function datapointPath(
  name: string,
  keys: KeyFn[],
  sub: string | undefined,
  acc: (get: Getter, set?: Setter) => Accessor,
  err: (msg: string) => never,
  text: string,
  tooDeep: (n: number) => void,
  noKeys: () => void,
): Accessor {
  if (name === 'attributes') {
    tooDeep(1);
    return { ...mapAccess((c) => c.point.attributes, keys), level: 2, context: 'datapoint' };
  }
  noKeys();
  type P = Record<string, unknown>;
  const p = (c: TransformContext) => c.point as unknown as P;
  if (name === 'positive' || name === 'negative') {
    tooDeep(2);
    const side = name;
    const buckets = (c: TransformContext) =>
      p(c)[side] as { offset: number; bucketCounts: bigint[] } | undefined;
    if (sub === 'offset')
      return acc(
        (c) => {
          const b = buckets(c);
          return b ? BigInt(b.offset) : null;
        },
        (c, v) => {
          const b = buckets(c);
          if (b) b.offset = i32(v);
        },
      );
    if (sub === 'bucket_counts')
      return acc(
        (c) => {
          const b = buckets(c);
          return b ? b.bucketCounts.map((x) => BigInt.asIntN(64, x)) : null;
        },
        (c, v) => {
          const b = buckets(c);
          if (b) b.bucketCounts = intList(v).map((x) => BigInt.asUintN(64, x));
        },
      );
    err(`path "${text}" needs a field: ${side}.offset or ${side}.bucket_counts`);
  }
  tooDeep(1);
  const isNumber = (c: TransformContext) => !('count' in (c.point as object));
  switch (name) {
    case 'start_time_unix_nano':
      return nanos(acc, (c) => c.point, 'startTimeUnixNano');
    case 'time_unix_nano':
      return nanos(acc, (c) => c.point, 'timeUnixNano');
    case 'start_time':
      return time(acc, (c) => c.point, 'startTimeUnixNano');
    case 'time':
      return time(acc, (c) => c.point, 'timeUnixNano');
    case 'flags':
      return acc(
        (c) => BigInt(c.point.flags),
        (c, v) => {
          c.point.flags = u32(v);
        },
      );
    case 'value_int':
      return acc(
        (c) => (isNumber(c) ? ((c.point as NumberPoint).asInt ?? 0n) : null),
        (c, v) => {
          if (!isNumber(c)) return;
          const pt = c.point as NumberPoint;
          pt.asInt = int(v);
          pt.asDouble = undefined;
          delete pt.asDouble;
        },
      );
    case 'value_double':
      return acc(
        (c) => (isNumber(c) ? ((c.point as NumberPoint).asDouble ?? 0) : null),
        (c, v) => {
          if (!isNumber(c)) return;
          const pt = c.point as NumberPoint;
          pt.asDouble = float(v);
          delete pt.asInt;
        },
      );
    case 'count':
    case 'zero_count':
      return acc(
        (c) => {
          const x = p(c)[name === 'count' ? 'count' : 'zeroCount'];
          return typeof x === 'bigint' ? BigInt.asIntN(64, x) : null;
        },
        (c, v) => {
          const f = name === 'count' ? 'count' : 'zeroCount';
          if (f in (c.point as object)) p(c)[f] = BigInt.asUintN(64, int(v));
        },
      );
    case 'sum':
    case 'min':
    case 'max':
      return acc(
        (c) => {
          const x = p(c)[name];
          return typeof x === 'number' ? x : isNumber(c) ? null : 0;
        },
        (c, v) => {
          if (!isNumber(c)) p(c)[name] = float(v);
        },
      );
    case 'scale':
      return acc(
        (c) => (typeof p(c).scale === 'number' ? BigInt(p(c).scale as number) : null),
        (c, v) => {
          if ('scale' in (c.point as object)) p(c).scale = i32(v);
        },
      );
    case 'bucket_counts':
      return acc(
        (c) => {
          const b = p(c).bucketCounts as bigint[] | undefined;
          return b ? b.map((x) => BigInt.asIntN(64, x)) : null;
        },
        (c, v) => {
          if ('bucketCounts' in (c.point as object) && !('positive' in (c.point as object)))
            p(c).bucketCounts = intList(v).map((x) => BigInt.asUintN(64, x));
        },
      );
    case 'explicit_bounds':
      return acc(
        (c) => {
          const b = p(c).explicitBounds as number[] | undefined;
          return b ? [...b] : null;
        },
        (c, v) => {
          if ('explicitBounds' in (c.point as object)) p(c).explicitBounds = floatList(v);
        },
      );
  }
  return err(`unknown path "${text}" for context "datapoint"`);
}

type NumberPoint = { asInt?: bigint; asDouble?: number };

export function metricType(m: import('../pdata/types.js').Metric): number {
  if (m.gauge) return 1;
  if (m.sum) return 2;
  if (m.histogram) return 3;
  if (m.exponentialHistogram) return 4;
  if (m.summary) return 5;
  return 0;
}

// ---- typed setters' value checks ----

function int(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  return fail(`expected int64 but got ${typeName(v)}`);
}
function float(v: Value): number {
  if (typeof v === 'number') return v;
  return fail(`expected float64 but got ${typeName(v)}`);
}
function str(v: Value): string {
  if (typeof v === 'string') return v;
  return fail(`expected string but got ${typeName(v)}`);
}
const u32 = (v: Value) => Number(BigInt.asUintN(32, int(v)));
const i32 = (v: Value) => Number(BigInt.asIntN(32, int(v)));

function intList(v: Value): bigint[] {
  const list =
    v instanceof PSlice
      ? v.values.map(fromAny)
      : Array.isArray(v)
        ? v
        : fail(`expected a list of int64 but got ${typeName(v)}`);
  return list.map(int);
}
function floatList(v: Value): number[] {
  const list =
    v instanceof PSlice
      ? v.values.map(fromAny)
      : Array.isArray(v)
        ? v
        : fail(`expected a list of float64 but got ${typeName(v)}`);
  return list.map(float);
}

type Obj = Record<string, unknown>;

function nanos(
  acc: (g: Getter, s?: Setter) => Accessor,
  of: (c: TransformContext) => unknown,
  f: string,
): Accessor {
  return acc(
    (c) => BigInt.asIntN(64, (of(c) as Obj)[f] as bigint),
    (c, v) => {
      (of(c) as Obj)[f] = BigInt.asUintN(64, int(v));
    },
  );
}

function time(
  acc: (g: Getter, s?: Setter) => Accessor,
  of: (c: TransformContext) => unknown,
  f: string,
): Accessor {
  return acc(
    (c) => new OTime(BigInt.asIntN(64, (of(c) as Obj)[f] as bigint)),
    (c, v) => {
      if (!(v instanceof OTime)) fail(`expected time.Time but got ${typeName(v)}`);
      (of(c) as Obj)[f] = BigInt.asUintN(64, v.ns);
    },
  );
}

function idAccess(
  acc: (g: Getter, s?: Setter) => Accessor,
  of: (c: TransformContext) => unknown,
  f: string,
  size: number,
  sub: string | undefined,
  err: (m: string) => never,
  text: string,
  tooDeep: (n: number) => void,
): Accessor {
  const zero = new Uint8Array(size);
  const get = (c: TransformContext): Uint8Array => {
    const id = (of(c) as Obj)[f] as Uint8Array;
    return id.length === size ? id : zero;
  };
  const put = (c: TransformContext, id: Uint8Array) => {
    (of(c) as Obj)[f] = id.every((b) => b === 0) ? EMPTY_BYTES : id;
  };
  if (sub === 'string') {
    tooDeep(2);
    return acc(
      (c) => hex(get(c)),
      (c, v) => {
        const s = str(v);
        if (s.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(s))
          fail(`invalid ${size === 16 ? 'trace' : 'span'} ID "${s}": expected ${size * 2} hex characters`);
        put(c, Uint8Array.from(Buffer.from(s, 'hex')));
      },
    );
  }
  if (sub !== undefined) err(`unknown path "${text}"`);
  return acc(
    (c) => get(c),
    (c, v) => {
      if (!(v instanceof Uint8Array) || v.length !== size)
        fail(
          `expected ${size === 16 ? 'pcommon.TraceID' : 'pcommon.SpanID'} but got ${typeName(v)}${v instanceof Uint8Array ? ` of ${v.length} bytes` : ''}`,
        );
      put(c, v.slice());
    },
  );
}

/** pcommon.Value.AsString of a body. */
function bodyString(b: AnyValue): string {
  return asString(fromAny(b));
}

// ---- maps, slices and keys ----

function keyString(k: KeyFn, c: TransformContext): string {
  const v = typeof k === 'function' ? k(c) : k;
  if (typeof v !== 'string') fail(`trace_state keys must be strings, got ${typeName(v)}`);
  return v;
}

function resolveKey(k: KeyFn, c: TransformContext): string | bigint {
  if (typeof k !== 'function') return k;
  const v = k(c);
  if (typeof v === 'string' || typeof v === 'bigint') return v;
  return fail(`a key must evaluate to a string or an int64, got ${typeName(v)}`);
}

function findKv(kvs: KeyValue[], key: string): KeyValue | undefined {
  for (let i = 0; i < kvs.length; i++) if (kvs[i].key === key) return kvs[i];
  return undefined;
}

/** Walks keys[from..] from a value (GetMapValue/GetSliceValue in the collector). */
function getIndexed(v: Value, keys: KeyFn[], from: number, c: TransformContext): Value {
  let cur = v;
  for (let i = from; i < keys.length; i++) {
    const k = resolveKey(keys[i], c);
    if (cur instanceof PMap) {
      if (typeof k !== 'string') fail('map must be indexed by a string');
      const kv = findKv(cur.kvs, k);
      if (!kv) return null;
      cur = fromAny(kv.value);
    } else if (cur instanceof PSlice || Array.isArray(cur)) {
      if (typeof k !== 'bigint') fail('slice must be indexed by an int');
      const len = cur instanceof PSlice ? cur.values.length : cur.length;
      if (k < 0n || k >= BigInt(len)) fail(`index ${k} out of bounds`);
      cur = cur instanceof PSlice ? fromAny(cur.values[Number(k)]) : cur[Number(k)];
    } else {
      fail(`type ${typeName(cur)} does not support ${typeof k === 'string' ? 'string' : 'int'} indexing`);
    }
  }
  return cur;
}

/** Sets the value under keys, creating maps on the way (SetMapValue in the collector). */
function setIndexed(root: AnyValue, keys: KeyFn[], from: number, c: TransformContext, v: Value): void {
  let cur = root as Record<string, unknown>;
  for (let i = from; i < keys.length; i++) {
    const k = resolveKey(keys[i], c);
    if (typeof k === 'string') {
      let list: KeyValue[];
      if (cur.kvlistValue !== undefined) list = (cur.kvlistValue as { values: KeyValue[] }).values;
      else if (isEmptyAny(cur)) {
        list = [];
        clearAny(cur);
        cur.kvlistValue = { values: list };
      } else {
        fail(`type ${typeName(fromAny(cur as AnyValue))} does not support string indexing`);
      }
      let kv = findKv(list, k);
      if (!kv) {
        kv = { key: k, value: {} };
        list.push(kv);
      }
      cur = kv.value as Record<string, unknown>;
    } else {
      if (cur.arrayValue === undefined)
        fail(`type ${typeName(fromAny(cur as AnyValue))} does not support int indexing`);
      const values = (cur.arrayValue as { values: AnyValue[] }).values;
      if (k < 0n || k >= BigInt(values.length)) fail(`index ${k} out of bounds`);
      cur = values[Number(k)] as Record<string, unknown>;
    }
  }
  clearAny(cur);
  Object.assign(cur, toAny(v));
}

function isEmptyAny(a: Record<string, unknown>): boolean {
  for (const k in a) if (a[k] !== undefined) return false;
  return true;
}

function clearAny(a: Record<string, unknown>): void {
  for (const k of Object.keys(a)) delete a[k];
}

/** A map-valued path (attributes, cache, metadata), optionally indexed. */
/**
 * A map path (`attributes`, `cache`...) with optional keys. `itemOf`: the map is an item's
 * attributes; a single key then reads and sets through itemAttribute/setItemAttribute, so an
 * item that arrived as protobuf decodes only the value asked for (pdata/attributes.ts).
 */
function mapAccess(
  kvsOf: (c: TransformContext) => KeyValue[],
  keys: KeyFn[],
  itemOf?: (c: TransformContext) => AttributeItem,
): { get: Getter; set: Setter; attr?: ItemAttributeRef } {
  if (keys.length === 0)
    return {
      get: (c) => new PMap(kvsOf(c)),
      set: (c, v) => {
        if (!(v instanceof PMap)) fail(`expected pcommon.Map but got ${typeName(v)}`);
        const copy = copyKvs(v.kvs);
        const kvs = kvsOf(c);
        kvs.length = 0;
        for (const kv of copy) kvs.push(kv);
      },
    };
  const k0 = keys[0];
  const get: Getter =
    keys.length === 1 && typeof k0 === 'string'
      ? itemOf !== undefined
        ? (c) => fromAttributeValue(itemAttributeValue(itemOf(c), k0))
        : (c) => {
            // the hot path: one constant key
            const kvs = kvsOf(c);
            for (let i = 0; i < kvs.length; i++) if (kvs[i].key === k0) return fromAny(kvs[i].value);
            return null;
          }
      : (c) => {
          const k = resolveKey(k0, c);
          if (typeof k !== 'string') fail('non-string indexing is not supported');
          const value = itemOf !== undefined ? itemAttribute(itemOf(c), k) : findKv(kvsOf(c), k)?.value;
          if (value === undefined) return null;
          return keys.length === 1 ? fromAny(value) : getIndexed(fromAny(value), keys, 1, c);
        };
  const set: Setter = (c, v) => {
    const k = resolveKey(k0, c);
    if (typeof k !== 'string') fail('non-string indexing is not supported');
    if (keys.length === 1) {
      const value = toAny(v);
      if (itemOf !== undefined) setItemAttribute(itemOf(c), k, value);
      else {
        const kvs = kvsOf(c);
        const kv = findKv(kvs, k);
        if (kv) kv.value = value;
        else kvs.push({ key: k, value });
      }
      return;
    }
    const kvs = kvsOf(c);
    let kv = findKv(kvs, k);
    if (!kv) {
      kv = { key: k, value: {} };
      kvs.push(kv);
    }
    setIndexed(kv.value, keys, 1, c, v);
  };
  if (keys.length === 1 && typeof k0 === 'string' && itemOf !== undefined)
    return { get, set, attr: { itemOf, key: k0 } };
  return { get, set };
}

/** A value from itemAttributeValue as an OTTL value (scalars come as themselves). */
function fromAttributeValue(v: AttributeValue | undefined): Value {
  return typeof v === 'object' ? fromAny(v) : v === undefined ? null : v;
}

/** An AnyValue-valued path indexed by keys (a log body that is a map or a slice). */
function valueKeysAccess(
  anyOf: (c: TransformContext) => AnyValue,
  what: string,
  keys: KeyFn[],
): { get: Getter; set: Setter } {
  return {
    get: (c) => {
      const v = fromAny(anyOf(c));
      if (!(v instanceof PMap) && !(v instanceof PSlice))
        fail(`${what} of type ${typeName(v)} cannot be indexed`);
      return getIndexed(v, keys, 0, c);
    },
    set: (c, v) => {
      const root = anyOf(c) as Record<string, unknown>;
      if (root.kvlistValue === undefined && root.arrayValue === undefined)
        fail(`${what} of type ${typeName(fromAny(root as AnyValue))} cannot be indexed`);
      setIndexed(root as AnyValue, keys, 0, c, v);
    },
  };
}

// ---- W3C trace state ----

function traceStateGet(ts: string, key: string): Value {
  for (const member of ts.split(',')) {
    const eq = member.indexOf('=');
    if (eq > 0 && member.slice(0, eq).trim() === key) return member.slice(eq + 1).trim();
  }
  return null;
}

function traceStateSet(ts: string, key: string, value: string): string {
  const rest = ts
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '' && m.slice(0, m.indexOf('=')) !== key);
  return [`${key}=${value}`, ...rest].join(',');
}
