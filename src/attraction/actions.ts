// Compiled actions applied to one attribute list. Values are never written
// into: an action replaces a KeyValue's value object, so AnyValues may be
// shared (e.g. one inserted config value across many records).
import type { RequestContext } from '../component/consumer.js';
import { deleteAttr, findAttr, toAnyValue } from '../pdata/attributes.js';
import type { AnyValue, KeyValue } from '../pdata/types.js';
import { goRegExp } from '../regexp/go.js';
import type { ActionConfig } from './config.js';
import { convertValue } from './convert.js';
import { hashValue } from './hash.js';

export type AttrAction = (attrs: KeyValue[], ctx: RequestContext | undefined) => void;

/** A value from the request context: `metadata.<key>` (values joined by ";") or `client.address`. */
export function contextValue(ctx: RequestContext | undefined, name: string): string | undefined {
  if (!ctx) return undefined;
  if (name.startsWith('metadata.')) {
    const vals = ctx.metadata?.[name.slice(9).toLowerCase()];
    return vals && vals.length > 0 ? vals.join(';') : undefined;
  }
  if (name === 'client.address') {
    const a = ctx.clientAddress;
    if (!a) return undefined;
    // The semantic-convention client.address is the host without the port.
    const m = /^\[([^\]]+)\](?::\d+)?$/.exec(a) ?? /^([^:]+):\d+$/.exec(a);
    return m ? m[1] : a;
  }
  // auth.* needs a server authenticator, which Tsunagi does not have: treated as missing.
  return undefined;
}

/** The value an insert/update/upsert writes, or undefined when its source is missing. */
function valueSource(
  a: ActionConfig,
): (attrs: KeyValue[], ctx: RequestContext | undefined) => AnyValue | undefined {
  const fallback =
    a.default_value !== undefined && a.default_value !== null ? toAnyValue(a.default_value) : undefined;
  if (a.from_attribute !== undefined) {
    const from = a.from_attribute;
    return (attrs) => findAttr(attrs, from)?.value ?? fallback;
  }
  if (a.from_context !== undefined) {
    const from = a.from_context;
    return (_attrs, ctx) => {
      const s = contextValue(ctx, from);
      return s !== undefined ? { stringValue: s } : fallback;
    };
  }
  const v = a.value === undefined || a.value === null || a.value === '' ? fallback : toAnyValue(a.value);
  return () => v;
}

function forMatching(a: ActionConfig, fn: (kv: KeyValue) => void): AttrAction {
  const key = a.key;
  const re = a.pattern ? goRegExp(a.pattern) : undefined;
  return (attrs) => {
    for (let i = 0; i < attrs.length; i++) {
      const kv = attrs[i];
      if (kv.key === key || re?.test(kv.key)) fn(kv);
    }
  };
}

export function compileAction(a: ActionConfig): AttrAction {
  const key = a.key as string;
  switch (a.action) {
    case 'insert': {
      const src = valueSource(a);
      return (attrs, ctx) => {
        if (findAttr(attrs, key)) return;
        const v = src(attrs, ctx);
        if (v) attrs.push({ key, value: v });
      };
    }
    case 'update': {
      const src = valueSource(a);
      return (attrs, ctx) => {
        const kv = findAttr(attrs, key);
        if (!kv) return;
        const v = src(attrs, ctx);
        if (v) kv.value = v;
      };
    }
    case 'upsert': {
      const src = valueSource(a);
      return (attrs, ctx) => {
        const v = src(attrs, ctx);
        if (!v) return;
        const kv = findAttr(attrs, key);
        if (kv) kv.value = v;
        else attrs.push({ key, value: v });
      };
    }
    case 'delete': {
      if (!a.pattern) return (attrs) => void deleteAttr(attrs, key);
      const re = goRegExp(a.pattern);
      return (attrs) => {
        let w = 0;
        for (let i = 0; i < attrs.length; i++) {
          const kv = attrs[i];
          if (kv.key !== key && !re.test(kv.key)) attrs[w++] = kv;
        }
        attrs.length = w;
      };
    }
    case 'hash':
      return forMatching(a, (kv) => {
        kv.value = hashValue(kv.value);
      });
    case 'extract': {
      const re = goRegExp(a.pattern as string);
      return (attrs) => {
        const kv = findAttr(attrs, key);
        if (!kv || !('stringValue' in kv.value)) return;
        const m = re.exec(kv.value.stringValue as string);
        if (!m?.groups) return;
        for (const [name, val] of Object.entries(m.groups)) {
          if (val === undefined) continue;
          const t = findAttr(attrs, name);
          if (t) t.value = { stringValue: val };
          else attrs.push({ key: name, value: { stringValue: val } });
        }
      };
    }
    case 'convert': {
      const to = a.converted_type as 'int' | 'double' | 'string';
      return (attrs) => {
        const kv = findAttr(attrs, key);
        if (kv) kv.value = convertValue(kv.value, to);
      };
    }
  }
}

/** All actions, in config order, as one function over an attribute list. */
export function compileActions(actions: ActionConfig[]): AttrAction {
  const fns = actions.map(compileAction);
  return (attrs, ctx) => {
    for (let i = 0; i < fns.length; i++) fns[i](attrs, ctx);
  };
}
