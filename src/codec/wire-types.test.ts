// Every field of every message of the OTLP 1.11 protos, sent with a wire type
// its declaration does not allow, must be refused by the full decoder and by
// the lazy validator alike. The lazy path forwards unread items as they came:
// if it let such a field through, the next hop (the collector knows these
// fields and rejects a wrong wire type) would refuse the whole batch it was
// merged into, other senders' items included (issue: hostile and buggy
// clients, 7: KeyValue.key_strindex sent as bytes).
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { Signal } from '../pdata/signal.js';
import {
  DecodeError,
  decodeLogs,
  decodeLogsLazy,
  decodeMetrics,
  decodeTraces,
  decodeTracesLazy,
} from './otlp-proto.js';
import { requestType } from './testing/oracle.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const tag = (field: number, wt: number) => varint(field * 8 + wt);
const lenField = (field: number, body: number[]) => [...tag(field, 2), ...varint(body.length), ...body];

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const I64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const I32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);

/** The wire type a field is declared with (0 varint, 1 i64, 2 len, 5 i32). */
function declaredWireType(f: protobuf.Field): number {
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  if (VARINT_TYPES.has(f.type)) return 0;
  if (I64_TYPES.has(f.type)) return 1;
  if (I32_TYPES.has(f.type)) return 5;
  return 2;
}

/** A well-formed field of wire type `wt` with a small value. */
function fieldOf(field: number, wt: number): number[] {
  switch (wt) {
    case 0:
      return [...tag(field, 0), 1];
    case 1:
      return [...tag(field, 1), 1, 0, 0, 0, 0, 0, 0, 0];
    case 5:
      return [...tag(field, 5), 1, 0, 0, 0];
    default:
      return lenField(field, [1]);
  }
}

/** A wire type the field does not allow (repeated numbers allow their own type and packed LEN). */
function wrongWireType(f: protobuf.Field): number {
  const wt = declaredWireType(f);
  const packable = f.repeated && wt !== 2;
  for (const candidate of [2, 0, 1, 5])
    if (candidate !== wt && !(packable && candidate === 2)) return candidate;
  throw new Error('unreachable');
}

interface Case {
  signal: Signal;
  name: string;
  body: Uint8Array;
}

/** One request per (message, field) reachable from each request type: the field alone, mistyped. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const seen = new Set<string>();
    // breadth first, with the path of LEN fields that reaches each message
    const queue: { type: protobuf.Type; path: number[] }[] = [{ type: requestType(signal), path: [] }];
    while (queue.length > 0) {
      const { type, path } = queue.shift()!;
      if (seen.has(type.fullName)) continue;
      seen.add(type.fullName);
      for (const f of type.fieldsArray) {
        f.resolve();
        let body = fieldOf(f.id, wrongWireType(f));
        for (let i = path.length - 1; i >= 0; i--) body = lenField(path[i], body);
        out.push({ signal, name: `${type.name}.${f.name}`, body: Uint8Array.from(body) });
        if (f.resolvedType instanceof protobuf.Type)
          queue.push({ type: f.resolvedType, path: [...path, f.id] });
      }
    }
  }
  return out;
}

const FULL: Record<Signal, (b: Uint8Array) => unknown> = {
  traces: decodeTraces,
  metrics: decodeMetrics,
  logs: decodeLogs,
};
const LAZY: Partial<Record<Signal, (b: Uint8Array) => unknown>> = {
  traces: decodeTracesLazy,
  logs: decodeLogsLazy,
};

function refuses(fn: (b: Uint8Array) => unknown, body: Uint8Array): string | undefined {
  try {
    fn(body);
    return undefined;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return e.message;
  }
}

describe('a known field with the wrong wire type', () => {
  const all = cases();

  it('covers every field of the 1.11 protos, the profiles string-table indexes included', () => {
    const names = new Set(all.map((c) => c.name));
    expect(names).toContain('KeyValue.keyStrindex');
    expect(names).toContain('AnyValue.stringValueStrindex');
    expect(names).toContain('Span.traceId');
    expect(names).toContain('HistogramDataPoint.bucketCounts');
    expect(all.length).toBeGreaterThan(150);
  });

  it.each(all.map((c) => [`${c.signal}: ${c.name}`, c] as const))('%s is refused', (_n, c) => {
    expect(refuses(FULL[c.signal], c.body), 'full decoder').toMatch(/invalid wire type|wire type/);
    const lazy = LAZY[c.signal];
    if (lazy) expect(refuses(lazy, c.body), 'lazy validator').toMatch(/wire type/);
  });
});
