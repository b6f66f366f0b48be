// Test data builders for the tail_sampling tests: spans by hex IDs, requests
// that go through the real protobuf path (encoded, then decoded lazily the way
// the OTLP receiver hands them over).
import { decodeTracesLazy, encodeTraces } from '../../../src/codec/otlp-proto.js';
import { toAnyValue } from '../../../src/pdata/attributes.js';
import {
  newResource,
  newResourceSpans,
  newScope,
  newScopeSpans,
  newSpan,
  newSpanEvent,
} from '../../../src/pdata/create.js';
import { idFromHex } from '../../../src/pdata/ids.js';
import type { KeyValue, Span, TracesData } from '../../../src/pdata/types.js';

export const attrs = (o: Record<string, unknown>): KeyValue[] =>
  Object.entries(o).map(([key, v]) => ({
    key,
    value: typeof v === 'bigint' ? { intValue: v } : toAnyValue(v),
  }));

export interface SpanSpec {
  trace: string;
  id: string;
  parent?: string;
  name?: string;
  status?: number;
  start?: bigint;
  end?: bigint;
  attributes?: Record<string, unknown>;
  traceState?: string;
  flags?: number;
  /** Names of span events. */
  events?: string[];
}

/** A 32-hex trace ID from a short label, e.g. tid(1) = '000…01'. */
export const tid = (n: number) => n.toString(16).padStart(32, '0');
export const sid = (n: number) => n.toString(16).padStart(16, '0');

export function span(s: SpanSpec): Span {
  const sp = newSpan();
  sp.traceId = idFromHex(s.trace, 16) as Uint8Array;
  sp.spanId = idFromHex(s.id, 8) as Uint8Array;
  if (s.parent) sp.parentSpanId = idFromHex(s.parent, 8) as Uint8Array;
  sp.name = s.name ?? 'op';
  sp.status.code = s.status ?? 0;
  sp.startTimeUnixNano = s.start ?? 1_000_000_000n;
  sp.endTimeUnixNano = s.end ?? 1_001_000_000n;
  sp.attributes = attrs(s.attributes ?? {});
  sp.traceState = s.traceState ?? '';
  sp.flags = s.flags ?? 0;
  for (const name of s.events ?? []) {
    const ev = newSpanEvent();
    ev.name = name;
    sp.events.push(ev);
  }
  return sp;
}

export interface RequestSpec {
  resource?: Record<string, unknown>;
  scope?: string;
  schemaUrl?: string;
  spans: SpanSpec[];
}

/** A request with one ResourceSpans per spec (one scope each). */
export function request(...specs: RequestSpec[]): TracesData {
  return {
    resourceSpans: specs.map((r) => {
      const res = newResource();
      res.attributes = attrs(r.resource ?? { 'service.name': 'svc' });
      const rs = newResourceSpans(res);
      rs.schemaUrl = r.schemaUrl ?? '';
      const ss = newScopeSpans(newScope(r.scope ?? 'lib', '1.0'));
      ss.schemaUrl = r.schemaUrl ?? '';
      ss.spans = r.spans.map(span);
      rs.scopeSpans.push(ss);
      return rs;
    }),
  };
}

/** As a receiver hands it over: protobuf decoded lazily (spans stay bytes until read). */
export const wire = (d: TracesData): TracesData => decodeTracesLazy(encodeTraces(d));

/** Span names by trace ID hex, over everything a consumer received. */
export function spansByTrace(received: TracesData[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of received)
    for (const rs of d.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          const k = Buffer.from(s.traceId).toString('hex');
          out.set(k, [...(out.get(k) ?? []), s.name]);
        }
  return out;
}
