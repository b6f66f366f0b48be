import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/otlp-proto.js';
import type { Exporter } from '../../src/component/component.js';
import {
  captureLogger,
  counterValue,
  settingsWith,
  traces,
  waitFor,
} from '../../src/exporterhelper/testing/helpers.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import {
  encodePartialSuccess,
  encodeStatus,
  FakeOtlpHttpServer,
  itemNames,
} from '../../test/support/fake-otlp.js';
import { otlpHttpConfigSchema } from './config.js';
import { factory } from './factory.js';

const fastRetry = { initial_interval: '10ms', max_interval: '50ms' };
let server: FakeOtlpHttpServer;
let url: string;
const exporters: Exporter[] = [];

beforeEach(async () => {
  server = new FakeOtlpHttpServer();
  url = await server.listen();
});
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
  await server.close();
});

function make(cfg: Record<string, unknown>, logger = captureLogger().logger, metrics = new SelfMetrics()) {
  const config = otlpHttpConfigSchema.parse({ endpoint: url, retry_on_failure: fastRetry, ...cfg });
  const exp = factory.create(settingsWith('otlp_http', logger, metrics), config, [
    'traces',
    'logs',
    'metrics',
  ]);
  exporters.push(exp);
  return exp;
}

function logs(...bodies: string[]): LogsData {
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  for (const b of bodies) {
    const r = newLogRecord();
    r.body = { stringValue: b };
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

describe('otlp_http exporter', () => {
  it('retries after 503 + Retry-After: 1 and delivers exactly once, gzip on the wire', async () => {
    server.script = [() => ({ status: 503, headers: { 'retry-after': '1' } }), () => ({ status: 200 })];
    const exp = make({ headers: { 'x-tenant': 't1' } });
    await exp.start(emptyHost);
    await exp.consume('traces', traces('s1', 's2'));
    await waitFor(() => server.requests.length === 2);
    await exp.shutdown();
    const [first, second] = server.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(second.path).toBe('/v1/traces');
    expect(second.headers['content-encoding']).toBe('gzip');
    expect(second.headers['content-type']).toBe('application/x-protobuf');
    expect(second.headers['x-tenant']).toBe('t1');
    expect(itemNames(second)).toEqual(['s1', 's2']);
    expect(server.requests.length).toBe(2);
  });

  it('compression: snappy sends one snappy block with Content-Encoding: snappy', async () => {
    server.script = [() => ({ status: 200 })];
    const exp = make({ compression: 'snappy' });
    await exp.start(emptyHost);
    const names = Array.from({ length: 2000 }, (_, i) => `span-${i}`); // > 64 KiB encoded: a pooled buffer
    await exp.consume('traces', traces(...names));
    await exp.consume('traces', traces('after'));
    await waitFor(() => server.requests.length === 2);
    await exp.shutdown();
    expect(server.requests[0].headers['content-encoding']).toBe('snappy');
    expect(itemNames(server.requests[0])).toEqual(names);
    expect(itemNames(server.requests[1])).toEqual(['after']);
    expect(() => otlpHttpConfigSchema.parse({ endpoint: 'http://x:4318', compression: 'zstd' })).toThrow(
      /supported: gzip, snappy, none/,
    );
  });

  it('retries 429, 502 and 504 (as the collector) and delivers once', async () => {
    server.script = [
      () => ({ status: 429 }),
      () => ({ status: 502 }),
      () => ({ status: 504 }),
      () => ({ status: 200 }),
    ];
    const metrics = new SelfMetrics();
    const exp = make({ sending_queue: { enabled: false } }, undefined, metrics);
    await exp.start(emptyHost);
    await exp.consume('traces', traces('a'));
    expect(server.requests.map(itemNames)).toEqual([['a'], ['a'], ['a'], ['a']]);
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'otlp_http' })).toBe(
      1,
    );
  });

  it('honours Retry-After on 429 in seconds and in HTTP-date form', async () => {
    server.script = [
      () => ({ status: 429, headers: { 'retry-after': '1' } }),
      // An HTTP-date has whole seconds: 2 s ahead, truncated, is still more than 1 s away.
      () => ({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }),
      () => ({ status: 200 }),
    ];
    const exp = make({ sending_queue: { enabled: false } });
    await exp.start(emptyHost);
    await exp.consume('traces', traces('a'));
    const [first, second, third] = server.requests;
    expect(server.requests).toHaveLength(3);
    // fastRetry alone would retry within 50 ms.
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(third.at - second.at).toBeGreaterThanOrEqual(950);
  });

  it('drops on 400 with a google.rpc.Status: counted, logged with the reason', async () => {
    const status = await encodeStatus(3, 'span name too long');
    server.script = [
      () => ({ status: 400, headers: { 'content-type': 'application/x-protobuf' }, body: status }),
    ];
    const cap = captureLogger();
    const metrics = new SelfMetrics();
    const exp = make({}, cap.logger, metrics);
    await exp.start(emptyHost);
    await exp.consume('traces', traces('a', 'b'));
    await waitFor(() => cap.lines.some((l) => l.msg === 'Exporting failed. Dropping data.'));
    const line = cap.lines.find((l) => l.msg === 'Exporting failed. Dropping data.')!;
    expect(String(line.error)).toContain('span name too long');
    expect(String(line.error)).toContain('400');
    expect(line.dropped_items).toBe(2);
    expect(
      await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'otlp_http' }),
    ).toBe(2);
    expect(server.requests.length).toBe(1);
  });

  it('logs a partial success as a warning', async () => {
    const body = await encodePartialSuccess('logs', 1, 'one log too old');
    server.script = [() => ({ status: 200, headers: { 'content-type': 'application/x-protobuf' }, body })];
    const cap = captureLogger();
    const exp = make({ sending_queue: { enabled: false } }, cap.logger);
    await exp.start(emptyHost);
    await exp.consume('logs', logs('x', 'y'));
    const w = cap.lines.find((l) => l.msg === 'Partial success response');
    expect(w).toMatchObject({ level: 40, message: 'one log too old', dropped_log_records: 1 });
    expect(itemNames(server.requests[0])).toEqual(['x', 'y']);
  });

  it('uses per-signal endpoint overrides and JSON encoding without compression', async () => {
    const exp = make({
      endpoint: undefined,
      logs_endpoint: `${url}/custom/logs`,
      encoding: 'json',
      compression: 'none',
      sending_queue: { enabled: false },
    });
    await exp.start(emptyHost);
    const d = logs('hello');
    d.resourceLogs[0].scopeLogs[0].logRecords[0].traceId = new Uint8Array(16).fill(0xab);
    d.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano = 1700000000000000001n;
    await exp.consume('logs', d);
    const r = server.requests[0];
    expect(r.path).toBe('/custom/logs');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['content-type']).toBe('application/json');
    const rec = r.body.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.traceId).toBe('ab'.repeat(16));
    expect(rec.timeUnixNano).toBe('1700000000000000001');
    expect(rec.body).toEqual({ stringValue: 'hello' });
  });

  it('uncompressed: spans never read on the way are written from the request bytes, and arrive byte for byte', async () => {
    // A batch merged from received requests: large ones (kept wire bytes passed by
    // reference in the vectored body) and small ones (copied), as a gateway sees them.
    const big = encodeTraces(traces(...Array.from({ length: 600 }, (_, i) => `span-${i}-${'x'.repeat(40)}`)));
    const small = encodeTraces(traces('a', 'b'));
    expect(big.length).toBeGreaterThan(32 * 1024);
    const parts = [big, small, big, small, small].map((b) => decodeTracesLazy(Buffer.from(b)));
    const merged: TracesData = { resourceSpans: parts.flatMap((p) => p.resourceSpans) };
    const expected = Buffer.concat(parts.map((p) => Buffer.from(encodeTraces(p))));
    const exp = make({ compression: 'none', sending_queue: { enabled: false } });
    await exp.start(emptyHost);
    await exp.consume('traces', merged);
    const r = server.requests[0];
    expect(r.headers['content-length']).toBe(String(expected.length));
    expect(r.headers['transfer-encoding']).toBeUndefined();
    expect(r.raw.equals(expected)).toBe(true);
    expect(itemNames(r)).toHaveLength(2 * 600 + 3 * 2);
  });

  it('returns a retryable error inline when the backend is unreachable', async () => {
    await server.close();
    const exp = make({ sending_queue: { enabled: false }, retry_on_failure: { enabled: false } });
    await exp.start(emptyHost);
    await expect(exp.consume('traces', traces('a'))).rejects.toMatchObject({ retryable: true });
  });

  it('accepts the collector fixture and rejects unknown compression', async () => {
    const yaml = parse(await readFile(`${CONFORMANCE_DIR}collector-configs/otlphttpexporter.yaml`, 'utf8'));
    const cfg = otlpHttpConfigSchema.parse(yaml);
    expect(cfg).toMatchObject({ timeout: 10_000, compression: 'gzip', encoding: 'proto' });
    expect(cfg.retry_on_failure).toMatchObject({ initial_interval: 10_000, max_elapsed_time: 600_000 });
    expect(otlpHttpConfigSchema.parse({ endpoint: 'http://x:4318' }).timeout).toBe(30_000);
    expect(() => otlpHttpConfigSchema.parse({ endpoint: 'http://x:4318', compression: 'lz4' })).toThrow(
      /not supported/,
    );
    expect(() => otlpHttpConfigSchema.parse({})).toThrow(/endpoint/);
  });
});
