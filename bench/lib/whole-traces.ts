// Requests of 10 whole traces × 10 spans (a server span and its children) for
// the tail_sampling benches. Each refresh() rewrites the trace IDs, span IDs
// (and parents), timestamps and the order ID in url.path of a pre-encoded
// request, so no two traces repeat: held bytes compress like real traffic, not
// like a loop of the same requests. 1 % of the traces have an error span, 3 %
// last longer than 500 ms, 5 % are on the checkout route.
import { randomBytes, randomInt } from 'node:crypto';
import { encodeTraces } from '../../src/codec/otlp-proto.js';
import { newResource, newScope, newSpan } from '../../src/pdata/create.js';
import type { KeyValue, Span, TracesData } from '../../src/pdata/types.js';

export const TRACES = 10;
export const SPANS = 10;
export const PER_REQUEST = TRACES * SPANS;

const str = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const int = (key: string, v: number): KeyValue => ({ key, value: { intValue: BigInt(v) } });

export interface Template {
  body: Buffer;
  /** Per trace: offsets of its spans' trace IDs. */
  traceIds: number[][];
  /** Per trace: offsets of its root span's ID (its own, then each child's parent_span_id). */
  rootIds: number[][];
  /** Offsets of the children's own span IDs. */
  childIds: number[];
  /** Per span: offsets of start and end (fixed64) and its template times. */
  times: [number, number, bigint, bigint][];
  /** Offsets of the 6-digit order IDs in url.path. */
  orders: number[];
}

/** A marker of `n` random bytes, unique in the request, and where it ended up. */
export function template(seed: number): Template {
  const markers: {
    kind: string;
    trace: number;
    span: number;
    bytes: Buffer;
    start?: bigint;
    end?: bigint;
  }[] = [];
  const mark = (kind: string, trace: number, span: number, n: number) => {
    // the order ID goes into a string: ASCII digits, not raw bytes
    const bytes = kind === 'order' ? Buffer.from(String(randomInt(10 ** (n - 1), 10 ** n))) : randomBytes(n);
    markers.push({ kind, trace, span, bytes });
    return bytes;
  };
  const spans: Span[] = [];
  for (let t = 0; t < TRACES; t++) {
    const traceId = mark('trace', t, -1, 16);
    const k = seed * TRACES + t;
    const error = k % 100 === 7;
    const slow = k % 33 === 3;
    const checkout = k % 20 === 11;
    let root: Uint8Array = new Uint8Array(0);
    for (let s = 0; s < SPANS; s++) {
      const sp = newSpan();
      sp.traceId = traceId;
      sp.spanId = mark('span', t, spans.length, 8);
      if (s === 0) root = sp.spanId;
      else sp.parentSpanId = root;
      const startMark = mark('start', t, spans.length, 8);
      const endMark = mark('end', t, spans.length, 8);
      // fixed64 fields: the markers stand in for the times until encoded
      sp.startTimeUnixNano = startMark.readBigUInt64LE();
      sp.endTimeUnixNano = endMark.readBigUInt64LE();
      const duration = BigInt(s === 0 ? (slow ? 800 : 40 + (k % 50)) : 2 + ((k + s) % 9)) * 1_000_000n;
      const offset = BigInt(s) * 1_500_000n;
      markers[markers.length - 2].start = offset;
      markers[markers.length - 1].end = offset + duration;
      const route = checkout ? '/api/v1/checkout/{id}' : `/api/v1/orders/{id}/items`;
      if (s === 0) {
        sp.name = `GET ${route}`;
        sp.kind = 2;
        const order = mark('order', t, spans.length, 6);
        sp.attributes = [
          str('http.request.method', 'GET'),
          str('http.route', route),
          str('url.path', `/api/v1/orders/${order.toString('latin1')}/items`),
          int('http.response.status_code', error ? 500 : 200),
          str('server.address', 'orders.prod.svc.cluster.local'),
          str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0'),
        ];
      } else {
        sp.name = s % 2 ? 'SELECT orders.items' : 'GET inventory';
        sp.kind = 3;
        sp.attributes =
          s % 2
            ? [
                str('db.system', 'postgresql'),
                str('db.operation.name', 'SELECT'),
                int('db.response.rows', (k * s) % 40),
              ]
            : [
                str('http.request.method', 'GET'),
                str('server.address', 'inventory'),
                int('http.response.status_code', 200),
              ];
      }
      sp.status = {
        code: error && s === SPANS - 1 ? 2 : 0,
        message: error && s === SPANS - 1 ? 'timeout' : '',
      };
      spans.push(sp);
    }
  }
  const resource = newResource();
  resource.attributes.push(
    str('service.name', 'orders'),
    str('service.version', '1.4.2'),
    str('k8s.pod.name', `orders-7d9f8b-${seed % 10}`),
    str('k8s.namespace.name', 'shop'),
    str('telemetry.sdk.language', 'nodejs'),
  );
  const data: TracesData = {
    resourceSpans: [
      {
        resource,
        schemaUrl: '',
        scopeSpans: [
          { scope: newScope('@opentelemetry/instrumentation-http', '0.50.0'), spans, schemaUrl: '' },
        ],
      },
    ],
  };
  const body = Buffer.from(encodeTraces(data));
  const at = (b: Buffer) => {
    const i = body.indexOf(b);
    if (i < 0) throw new Error('marker not found');
    return i;
  };
  const tpl: Template = { body, traceIds: [], rootIds: [], childIds: [], times: [], orders: [] };
  const all = (b: Buffer) => {
    const offs: number[] = [];
    for (let i = body.indexOf(b); i >= 0; i = body.indexOf(b, i + 1)) offs.push(i);
    return offs;
  };
  const seenRoot = new Set<number>();
  for (const m of markers) {
    if (m.kind === 'trace') tpl.traceIds[m.trace] = all(m.bytes);
    else if (m.kind === 'span') {
      // roots come first in their trace; children reference the root as parent
      if (!seenRoot.has(m.trace)) {
        seenRoot.add(m.trace);
        tpl.rootIds[m.trace] = all(m.bytes);
      } else tpl.childIds.push(at(m.bytes));
    } else if (m.kind === 'start') tpl.times[m.span] = [at(m.bytes), 0, m.start as bigint, 0n];
    else if (m.kind === 'end') {
      tpl.times[m.span][1] = at(m.bytes);
      tpl.times[m.span][3] = m.end as bigint;
    } else tpl.orders.push(at(m.bytes));
  }
  return tpl;
}

/** xorshift32: crypto.randomBytes per ID would make the generator, not Tsunagi, the bottleneck. */
let seed = (Date.now() ^ (process.pid << 16)) >>> 0 || 1;
function fill(b: Buffer, at: number, n: number): void {
  for (let i = 0; i < n; i += 4) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    b.writeUInt32LE(seed, at + i);
  }
}
const scratch = Buffer.alloc(16);

/** Fresh IDs and times into the template's body (in place: each body belongs to one worker). */
export function refresh(t: Template): void {
  const b = t.body;
  for (const offs of t.traceIds) {
    fill(scratch, 0, 16);
    for (const o of offs) scratch.copy(b, o, 0, 16);
  }
  for (const offs of t.rootIds) {
    fill(scratch, 0, 8);
    for (const o of offs) scratch.copy(b, o, 0, 8);
  }
  for (const o of t.childIds) fill(b, o, 8);
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const [so, eo, start, end] of t.times) {
    b.writeBigUInt64LE(now + start, so);
    b.writeBigUInt64LE(now + end, eo);
  }
  for (const o of t.orders) b.write(String(100000 + (seed % 900000)), o, 'latin1');
}
