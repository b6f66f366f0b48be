// A key written with no value (`batch:`, `tls:`, `keepalive:`) is YAML null.
// The collector's rule, applied here ONCE for every schema, before the
// schema runs (validate.ts calls it for every component and for
// service.telemetry), so no component schema has to remember it:
//
// - a section that is off unless present (a zod `.optional()` object: the
//   collector's configoptional Default flavor, e.g. `sending_queue.batch`,
//   `protocols.grpc`) turns ON with its defaults: null becomes `{}`;
// - a section that is always there (an object with `.default()`/`.prefault()`)
//   keeps its defaults: null is as if the key were absent (mapstructure leaves
//   the default alone when the value is nil);
// - a required section gets its defaults: `{}`;
// - anything else (a scalar, a list, a map of values) is as if absent, so its
//   default applies (confmap's zeroSliceHookFunc: "nil value → default");
// - a schema that accepts null itself (`.nullable()`, z.any()) gets the null;
// - a section marked with `absentWhenNull()` is as if absent: the collector's
//   None flavor (a nil pointer / configoptional.None), e.g. a server's `tls:`
//   with no value means no TLS, `auth:` with no value means no authenticator.
//
// The walk follows the schema's shape (objects, optional/default wrappers,
// preprocess pipes, unions, records, arrays), so nulls at any depth are
// handled. Schemas chosen at run time (stanza operators by `type`) call
// normalizeNulls() themselves on the schema they pick.
import type { z } from 'zod';

type Def = { type: string; [k: string]: any };

const ABSENT_WHEN_NULL = new WeakSet<object>();

/**
 * Marks an optional section whose `key:` with no value means "not configured"
 * (the collector's configoptional.None / nil pointer), e.g. a server's `tls`.
 */
export function absentWhenNull<T extends z.ZodType>(schema: T): T {
  ABSENT_WHEN_NULL.add(schema);
  return schema;
}

function defOf(s: unknown): Def | undefined {
  return (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

export type NullAction = 'keep' | 'empty-map' | 'absent';

/** What a null written at a key whose schema is `schema` becomes. */
export function nullAction(schema: unknown): NullAction {
  let optional = false;
  let defaulted = false;
  let s = schema;
  for (let depth = 0; depth < 50; depth++) {
    const d = defOf(s);
    if (!d) return 'absent';
    if (ABSENT_WHEN_NULL.has(s as object)) return 'absent';
    switch (d.type) {
      case 'nullable':
      case 'any':
      case 'unknown':
      case 'null':
        return 'keep';
      case 'optional':
        optional = true;
        s = d.innerType;
        continue;
      case 'default':
      case 'prefault':
        defaulted = true;
        s = d.innerType;
        continue;
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        s = d.innerType;
        continue;
      case 'lazy':
        s = d.getter();
        continue;
      case 'pipe':
        // z.preprocess(fn, schema) is pipe(transform, schema): the shape is the output side.
        s = defOf(d.in)?.type === 'transform' ? d.out : d.in;
        continue;
      case 'union': {
        const actions = (d.options as unknown[]).map(nullAction);
        if (actions.includes('keep')) return 'keep';
        const isSection = (d.options as unknown[]).some((o) => sectionKind(o) !== undefined);
        return isSection && !defaulted ? 'empty-map' : 'absent';
      }
      case 'object':
        // Off unless present (optional): turned on with its defaults; required: its defaults;
        // always present (defaulted): its default applies, as if the key were absent.
        return defaulted ? 'absent' : 'empty-map';
      case 'record':
        // A map of values: nil leaves the default (none, or the schema's default).
        return optional || defaulted ? 'absent' : 'empty-map';
      default:
        return 'absent';
    }
  }
  return 'absent';
}

/** 'object' | 'record' if the schema (through wrappers) is a map-shaped section. */
function sectionKind(schema: unknown): 'object' | 'record' | undefined {
  const d = defOf(unwrap(schema));
  return d?.type === 'object' || d?.type === 'record' ? d.type : undefined;
}

/** Strips optional/default/pipe/lazy wrappers down to the shape that checks the value. */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let depth = 0; depth < 50; depth++) {
    const d = defOf(s);
    if (!d) return s;
    switch (d.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        s = d.innerType;
        continue;
      case 'lazy':
        s = d.getter();
        continue;
      case 'pipe':
        s = defOf(d.in)?.type === 'transform' ? d.out : d.in;
        continue;
      default:
        return s;
    }
  }
  return s;
}

/** Every object/record/array shape the value may be checked against (union options flattened). */
function shapesOf(schema: unknown, out: Def[] = [], depth = 0): Def[] {
  const d = defOf(unwrap(schema));
  if (!d || depth > 20) return out;
  if (d.type === 'union') for (const o of d.options) shapesOf(o, out, depth + 1);
  else if (d.type === 'intersection') {
    shapesOf(d.left, out, depth + 1);
    shapesOf(d.right, out, depth + 1);
  } else if (d.type === 'object' || d.type === 'record' || d.type === 'array') out.push(d);
  return out;
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A literal or enum child that the value's entry does not match rules an object option out. */
function discriminatorMismatch(shape: Record<string, unknown>, value: Record<string, unknown>): boolean {
  for (const [k, child] of Object.entries(shape)) {
    const d = defOf(unwrap(child));
    if (!d || !(k in value)) continue;
    if (d.type === 'literal' && !(d.values as unknown[]).includes(value[k])) return true;
  }
  return false;
}

/** The object option of a union that this map value is meant for. */
function pickObject(objects: Def[], value: Record<string, unknown>): Def | undefined {
  if (objects.length <= 1) return objects[0];
  const keys = Object.keys(value);
  const fitting = objects.filter(
    (o) => !discriminatorMismatch(o.shape, value) && keys.every((k) => k in o.shape),
  );
  return fitting[0] ?? objects.find((o) => !discriminatorMismatch(o.shape, value)) ?? objects[0];
}

/**
 * Returns `value` with every null at a key replaced by what the schema says
 * it means (see the top of this file). Never mutates `value`.
 */
export function normalizeNulls(schema: unknown, value: unknown): unknown {
  if (Array.isArray(value)) {
    const arr = shapesOf(schema).find((d) => d.type === 'array');
    if (!arr) return value;
    return value.map((x) => (x === null ? x : normalizeNulls(arr.element, x)));
  }
  if (!isPlainMap(value)) return value;
  const shapes = shapesOf(schema);
  const object = pickObject(
    shapes.filter((d) => d.type === 'object'),
    value,
  );
  if (object) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = Object.hasOwn(object.shape, k) ? object.shape[k] : undefined;
      if (child === undefined)
        out[k] = v; // unknown key: the schema reports it
      else if (v === null) {
        const action = nullAction(child);
        if (action === 'keep') out[k] = null;
        else if (action === 'empty-map') out[k] = {};
      } else out[k] = normalizeNulls(child, v);
    }
    return out;
  }
  const record = shapes.find((d) => d.type === 'record');
  if (record) {
    const out: Record<string, unknown> = {};
    const valueIsSection = sectionKind(record.valueType) !== undefined;
    for (const [k, v] of Object.entries(value)) {
      // A map of sections (`receivers:`-like): a bare entry is that section with its defaults.
      if (v === null) out[k] = valueIsSection && nullAction(record.valueType) !== 'keep' ? {} : null;
      else out[k] = normalizeNulls(record.valueType, v);
    }
    return out;
  }
  return value;
}
