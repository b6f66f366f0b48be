// Realistic OTLP trace traffic for benchmarks: requests of `spansPerRequest`
// spans with ~10 attributes each, the shape an instrumented HTTP service sends.
import { randomBytes } from 'node:crypto';
import { toAnyValue } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newScope,
  newScopeLogs,
  newSpan,
} from '../../src/pdata/create.js';
import type { KeyValue, LogsData, TracesData } from '../../src/pdata/types.js';

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

/**
 * A request of `n` application log records as an SDK or agent sends them: a pod's
 * resource, a text body, three attributes, trace context on every record.
 */
export function makeLogs(n: number, seed = 0): LogsData {
  const res = newResource();
  res.attributes = [
    ['service.name', `svc-${seed % 5}`],
    ['service.namespace', 'shop'],
    ['k8s.namespace.name', 'prod'],
    ['k8s.pod.name', `svc-${seed % 5}-7d9f8c-x${seed % 3}`],
    ['k8s.container.name', 'app'],
    ['host.name', 'node-1'],
  ].map(([key, v]) => ({ key, value: toAnyValue(v) }));
  const rl = newResourceLogs(res);
  const sl = newScopeLogs(newScope('io.opentelemetry.sdk', '1.40.0'));
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < n; i++) {
    const r = newLogRecord();
    r.timeUnixNano = now + BigInt(i * 1000);
    r.observedTimeUnixNano = r.timeUnixNano;
    r.severityNumber = i % 10 === 0 ? 17 : 9;
    r.severityText = i % 10 === 0 ? 'ERROR' : 'INFO';
    r.body = {
      stringValue: `GET /api/v1/orders/${seed * n + i} completed in ${i % 97}ms for user u-${i % 31}`,
    };
    r.attributes = [
      { key: 'http.method', value: { stringValue: 'GET' } },
      { key: 'http.status_code', value: { intValue: 200n } },
      { key: 'user.id', value: { stringValue: `u-${i % 31}` } },
    ];
    r.traceId = Uint8Array.from({ length: 16 }, (_, k) => (k * 17 + i + seed) & 0xff);
    r.spanId = Uint8Array.from({ length: 8 }, (_, k) => (k * 29 + i) & 0xff);
    r.flags = 1;
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}
