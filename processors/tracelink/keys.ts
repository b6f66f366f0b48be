// Finds trace context in a key/value list (attributes or a map body): one
// pass, one Map lookup per key.
import { anyValueToString } from '../../src/pdata/attributes.js';
import type { KeyValue } from '../../src/pdata/types.js';
import type { TracelinkConfig } from './config.js';
import { flagsFromValue, idFromValue, parseTraceparent, type TraceContext } from './values.js';

export const Role = { Trace: 1, Span: 2, Flags: 3, Traceparent: 4, Request: 5 } as const;
export type Role = (typeof Role)[keyof typeof Role];

export function roleMap(c: TracelinkConfig): Map<string, Role> {
  const m = new Map<string, Role>();
  // Later lists do not override earlier ones: a key listed twice keeps its first role.
  const add = (keys: string[], r: Role) => {
    for (const k of keys) if (!m.has(k)) m.set(k, r);
  };
  add(c.trace_id_keys, Role.Trace);
  add(c.span_id_keys, Role.Span);
  add(c.trace_flags_keys, Role.Flags);
  add(c.traceparent_keys, Role.Traceparent);
  add(c.request_id_keys, Role.Request);
  return m;
}

export interface KeyScan {
  ctx?: TraceContext;
  requestId?: string;
  /** Indexes (into the list) of the entries the context was taken from. */
  used?: number[];
}

export function scanKeys(list: KeyValue[], roles: Map<string, Role>): KeyScan | undefined {
  let trace = -1;
  let span = -1;
  let flags = -1;
  let tp = -1;
  let req = -1;
  for (let i = 0; i < list.length; i++) {
    const r = roles.get(list[i].key);
    if (r === undefined) continue;
    if (r === Role.Trace) trace = trace < 0 ? i : trace;
    else if (r === Role.Span) span = span < 0 ? i : span;
    else if (r === Role.Flags) flags = flags < 0 ? i : flags;
    else if (r === Role.Traceparent) tp = tp < 0 ? i : tp;
    else req = req < 0 ? i : req;
  }
  if (trace < 0 && tp < 0 && req < 0) return undefined;
  if (trace >= 0) {
    const traceId = idFromValue(list[trace].value, 16);
    if (traceId) {
      const ctx: TraceContext = { traceId };
      const used = [trace];
      if (span >= 0) {
        const s = idFromValue(list[span].value, 8);
        if (s) {
          ctx.spanId = s;
          used.push(span);
        }
      }
      if (flags >= 0) {
        const f = flagsFromValue(list[flags].value);
        if (f !== undefined) {
          ctx.flags = f;
          used.push(flags);
        }
      }
      return { ctx, used };
    }
  }
  if (tp >= 0) {
    const v = list[tp].value;
    const ctx = 'stringValue' in v ? parseTraceparent(v.stringValue as string) : undefined;
    if (ctx) return { ctx, used: [tp] };
  }
  if (req >= 0) {
    const id = anyValueToString(list[req].value).trim();
    if (id) return { requestId: id };
  }
  return undefined;
}
