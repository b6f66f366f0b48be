// Codec microbenchmark: OTLP proto and JSON decode/encode on 100-span requests with ~10 attributes.
// Prints spans/s and CPU-µs per span. Run: npx tsc -p . && node dist/bench/codec.js (≤ 20 s).
import { pathToFileURL } from 'node:url';
import * as json from '../src/codec/otlp-json.js';
import * as proto from '../src/codec/otlp-proto.js';
import type { KeyValue, Span, TracesData } from '../src/pdata/types.js';

const SPANS = 100;

function id(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 131 + i * 17 + 1) & 0xff;
  return b;
}

/** A typical instrumented HTTP server request: ~10 attributes of mixed kinds. */
function attrs(i: number): KeyValue[] {
  return [
    { key: 'http.request.method', value: { stringValue: 'GET' } },
    { key: 'http.route', value: { stringValue: '/api/v1/users/:id' } },
    { key: 'url.path', value: { stringValue: `/api/v1/users/${1000 + i}` } },
    { key: 'http.response.status_code', value: { intValue: 200n } },
    { key: 'server.address', value: { stringValue: 'api.example.com' } },
    { key: 'server.port', value: { intValue: 443n } },
    { key: 'network.protocol.version', value: { stringValue: '1.1' } },
    { key: 'user_agent.original', value: { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } },
    { key: 'http.request.body.size', value: { intValue: BigInt(512 + i) } },
    { key: 'app.cache_hit', value: { boolValue: i % 2 === 0 } },
  ];
}

export function benchTraces(spans = SPANS): TracesData {
  const t0 = 1_700_000_000_000_000_000n;
  const list: Span[] = [];
  for (let i = 0; i < spans; i++) {
    list.push({
      traceId: id(16, i >> 3),
      spanId: id(8, i),
      traceState: '',
      parentSpanId: i % 8 === 0 ? new Uint8Array(0) : id(8, i - 1),
      flags: 1,
      name: `GET /api/v1/users/:id`,
      kind: 2,
      startTimeUnixNano: t0 + BigInt(i * 1000),
      endTimeUnixNano: t0 + BigInt(i * 1000 + 1_234_567),
      attributes: attrs(i),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { message: '', code: i % 10 === 0 ? 2 : 0 },
    });
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'service.version', value: { stringValue: '2.3.1' } },
            { key: 'host.name', value: { stringValue: 'ip-10-0-0-12' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
            { key: 'process.pid', value: { intValue: 4242n } },
          ],
          droppedAttributesCount: 0,
          entityRefs: [],
        },
        scopeSpans: [
          {
            scope: {
              name: '@opentelemetry/instrumentation-http',
              version: '0.52.0',
              attributes: [],
              droppedAttributesCount: 0,
            },
            spans: list,
            schemaUrl: '',
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
    ],
  };
}

interface Result {
  name: string;
  spansPerSec: number;
  cpuUsPerSpan: number;
}

/** Runs `fn` (one request of `spans` spans) for ~`ms` after a warm-up; returns throughput and CPU cost. */
function measure(name: string, spans: number, fn: () => unknown, ms = 2000): Result {
  const warm = Date.now() + 400;
  while (Date.now() < warm) fn();
  let iters = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const stopAt = t0 + BigInt(ms) * 1_000_000n;
  let now = t0;
  while (now < stopAt) {
    for (let i = 0; i < 20; i++) fn();
    iters += 20;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  const secs = Number(now - t0) / 1e9;
  const total = iters * spans;
  return { name, spansPerSec: total / secs, cpuUsPerSpan: (cpu.user + cpu.system) / total };
}

export function main(): Result[] {
  const data = benchTraces();
  const pb = proto.encodeTraces(data);
  const js = json.encodeTracesJson(data);
  const jsBytes = Buffer.from(js);
  let sink = 0;
  const results = [
    measure('proto decode', SPANS, () => {
      sink += proto.decodeTraces(pb).resourceSpans.length;
    }),
    measure('proto encode', SPANS, () => {
      sink += proto.encodeTraces(data).length;
    }),
    // What a pass-through hop does: validate + count, then write the unread bytes back.
    measure('proto lazy decode', SPANS, () => {
      sink += proto.decodeTracesLazy(pb).resourceSpans.length;
    }),
    measure('proto lazy decode + re-encode unread', SPANS, () => {
      sink += proto.encodeTraces(proto.decodeTracesLazy(pb)).length;
    }),
    measure('json decode', SPANS, () => {
      sink += json.decodeTracesJson(jsBytes).resourceSpans.length;
    }),
    measure('json encode', SPANS, () => {
      sink += json.encodeTracesJson(data).length;
    }),
  ];
  console.log(`request: ${SPANS} spans x 10 attributes; proto ${pb.length} B, json ${jsBytes.length} B`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(38)} ${Math.round(r.spansPerSec).toLocaleString('en-US').padStart(11)} spans/s  ${r.cpuUsPerSpan.toFixed(2)} CPU-µs/span`,
    );
  }
  if (sink === -1) console.log('');
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
