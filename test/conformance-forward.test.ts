// Conformance through the receiver: every upstream OTLP/JSON example
// (shared/conformance/otlp-json, read from the directory) is POSTed as
// application/json to a running Tsunagi that forwards each signal over both
// otlp_grpc and otlp_http to next-hop sinks. What arrives, decoded with the
// upstream protos, must equal the example decoded with the upstream protos.
// A hand-built payload adds what the examples lack: 64-bit integers given as
// JSON numbers beyond 2^53.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONFORMANCE_DIR } from './support/conformance-dir.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';
import { decodeUpstream, requestType } from './support/upstream-otlp.js';

type Signal = 'traces' | 'metrics' | 'logs';
const DIR = join(CONFORMANCE_DIR, 'otlp-json');
const TOP: Record<string, Signal> = {
  resourceSpans: 'traces',
  resourceMetrics: 'metrics',
  resourceLogs: 'logs',
};
const HEX_IDS = new Set(['traceId', 'spanId', 'parentSpanId']);

let viaGrpc: OtlpSink;
let viaHttp: OtlpSink;
let tsunagi: TsunagiProcess;
let httpPort: number;

beforeAll(async () => {
  viaGrpc = await new OtlpSink().start();
  viaHttp = await new OtlpSink().start();
  httpPort = await freePort();
  const exporters = '[otlp_grpc, otlp_http]';
  tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${httpPort} }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${viaGrpc.grpcPort}
    tls: { insecure: true }
  otlp_http:
    endpoint: http://127.0.0.1:${viaHttp.httpPort}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: ${exporters} }
    metrics: { receivers: [otlp], exporters: ${exporters} }
    logs: { receivers: [otlp], exporters: ${exporters} }
`);
});

afterAll(async () => {
  expect(await tsunagi?.stop()).toBe(0);
  await viaGrpc?.stop();
  await viaHttp?.stop();
});

/** OTLP/JSON → protobufjs object form: hex IDs become bytes (protobufjs reads bytes as base64). */
function toProtoObject(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => toProtoObject(x));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toProtoObject(x, k)]));
  if (HEX_IDS.has(key) && typeof v === 'string') return Buffer.from(v, 'hex');
  return v;
}

/** The example decoded with the upstream protos: JSON object → protobuf bytes → plain object. */
function expected(signal: Signal, json: unknown): unknown {
  const t = requestType(signal);
  const bytes = t.encode(t.fromObject(toProtoObject(json) as object)).finish();
  return normalize(decodeUpstream(signal, bytes));
}

/**
 * Absent and empty sub-messages are the same data in proto3; Tsunagi, like the
 * collector (pdata's resource, scope and status are never nil), writes them.
 * Drops null and all-default message values on both sides before comparing.
 */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const n = normalize(x);
    if (n === null || (typeof n === 'object' && !Array.isArray(n) && isDefault(n))) continue;
    out[k] = n;
  }
  return out;
}

function isDefault(o: object): boolean {
  return Object.values(o).every(
    (x) => x === '' || x === 0 || x === '0' || x === false || (Array.isArray(x) && x.length === 0),
  );
}

async function forward(signal: Signal, body: string): Promise<[unknown, unknown]> {
  const before = [viaGrpc.requests[signal].length, viaHttp.requests[signal].length];
  const res = await fetch(`http://127.0.0.1:${httpPort}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(res.status, await res.text()).toBe(200);
  await waitFor(
    () => viaGrpc.requests[signal].length > before[0] && viaHttp.requests[signal].length > before[1],
    `the ${signal} request at both next hops`,
  );
  return [normalize(viaGrpc.requests[signal][before[0]]), normalize(viaHttp.requests[signal][before[1]])];
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('upstream OTLP/JSON examples through the receiver and both OTLP exporters', () => {
  test('the examples directory has the three signals', () => {
    const signals = files.map((f) => TOP[Object.keys(JSON.parse(readFileSync(join(DIR, f), 'utf8')))[0]]);
    expect(new Set(signals)).toEqual(new Set(['traces', 'metrics', 'logs']));
  });

  test.each(files)('%s arrives equal to the upstream decoding', async (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const json = JSON.parse(text);
    const signal = TOP[Object.keys(json)[0]];
    expect(signal, `top-level key of ${file}`).toBeDefined();
    const want = expected(signal, json);
    const [grpc, http] = await forward(signal, text);
    expect(grpc).toEqual(want);
    expect(http).toEqual(want);
  });
});

describe('hand-built OTLP/JSON with 64-bit integers as JSON numbers', () => {
  // JSON.parse would round these; Tsunagi must forward the exact values.
  const logs = `{"resourceLogs":[{"resource":{"attributes":[{"key":"big","value":{"intValue":4611686018427387905}}]},
    "scopeLogs":[{"logRecords":[{"timeUnixNano":1700000000123456789,"observedTimeUnixNano":"1700000000123456790",
    "body":{"stringValue":"n"},"attributes":[{"key":"max","value":{"intValue":9223372036854775807}},
    {"key":"min","value":{"intValue":-9223372036854775808}}]}]}]}]}`;
  const metrics = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"c","sum":{"aggregationTemporality":2,
    "isMonotonic":true,"dataPoints":[{"timeUnixNano":1700000000123456789,"asInt":9007199254740993}]}}]}]}]}`;
  /** The same documents with those literals as strings, which any JSON reader keeps exact. */
  const quoted = (s: string) => s.replace(/(:\s*)(-?\d{16,})(?=[,}\]])/g, '$1"$2"');

  test.each([
    ['logs', logs],
    ['metrics', metrics],
  ] as const)('%s arrive with the exact values', async (signal, text) => {
    const want = expected(signal, JSON.parse(quoted(text))) as any;
    const [grpc, http] = await forward(signal, text);
    expect(grpc).toEqual(want);
    expect(http).toEqual(want);
    const body = JSON.stringify(grpc);
    for (const n of [
      '4611686018427387905',
      '9223372036854775807',
      '-9223372036854775808',
      '9007199254740993',
    ])
      if (text.includes(n)) expect(body).toContain(`"${n}"`);
    expect(body).toContain('"1700000000123456789"');
  });
});
