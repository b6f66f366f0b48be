// Realistic OTLP trace traffic for benchmarks: requests of `spansPerRequest`
// spans with ~10 attributes each, the shape an instrumented HTTP service sends.
import { randomBytes } from 'node:crypto';
import { newResource, newScope, newSpan } from '../../src/pdata/create.js';
import type { KeyValue, TracesData } from '../../src/pdata/types.js';

function attrs(i: number): KeyValue[] {
  return [
    { key: 'http.request.method', value: { stringValue: i % 3 ? 'GET' : 'POST' } },
    { key: 'http.route', value: { stringValue: `/api/v1/orders/{id}/items` } },
    { key: 'url.path', value: { stringValue: `/api/v1/orders/${1000 + i}/items` } },
    { key: 'http.response.status_code', value: { intValue: BigInt(200 + (i % 5)) } },
    { key: 'server.address', value: { stringValue: 'orders.prod.svc.cluster.local' } },
    { key: 'server.port', value: { intValue: 8080n } },
    { key: 'user_agent.original', value: { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } },
    { key: 'network.protocol.version', value: { stringValue: '1.1' } },
    { key: 'app.cache_hit', value: { boolValue: i % 2 === 0 } },
    { key: 'app.duration_ratio', value: { doubleValue: i / 7 } },
  ];
}

/** `spansPerTrace`: a new trace ID every that many spans (default: one trace per request). */
export function makeTraces(spansPerRequest: number, seed = 0, spansPerTrace = spansPerRequest): TracesData {
  const resource = newResource();
  resource.attributes.push(
    { key: 'service.name', value: { stringValue: 'orders' } },
    { key: 'service.version', value: { stringValue: '1.4.2' } },
    { key: 'k8s.pod.name', value: { stringValue: `orders-7d9f8b-${seed % 10}` } },
    { key: 'k8s.namespace.name', value: { stringValue: 'shop' } },
  );
  let traceId = randomBytes(16);
  const base = 1_700_000_000_000_000_000n + BigInt(seed) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < spansPerRequest; i++) {
    const s = newSpan();
    if (i > 0 && i % spansPerTrace === 0) traceId = randomBytes(16);
    s.traceId = traceId;
    s.spanId = randomBytes(8);
    s.parentSpanId = i === 0 ? new Uint8Array(0) : spans[0].spanId;
    s.name = i === 0 ? 'GET /api/v1/orders/{id}/items' : `SELECT orders.items ${i}`;
    s.kind = i === 0 ? 2 : 3;
    s.startTimeUnixNano = base + BigInt(i) * 1000n;
    s.endTimeUnixNano = base + BigInt(i) * 1000n + 523_417n;
    s.attributes = attrs(i);
    s.status = { code: 0, message: '' };
    spans.push(s);
  }
  return {
    resourceSpans: [
      {
        resource,
        schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
        scopeSpans: [
          { scope: newScope('@opentelemetry/instrumentation-http', '0.50.0'), spans, schemaUrl: '' },
        ],
      },
    ],
  };
}
