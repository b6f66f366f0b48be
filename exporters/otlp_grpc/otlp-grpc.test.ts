import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Exporter } from '../../src/component/component.js';
import {
  captureLogger,
  counterValue,
  settingsWith,
  traces,
  waitFor,
} from '../../src/exporterhelper/testing/helpers.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import {
  encodePartialSuccess,
  encodeStatus,
  FakeOtlpGrpcServer,
  itemNames,
} from '../../test/support/fake-otlp.js';
import { grpcTarget, otlpGrpcConfigSchema } from './config.js';
import { factory } from './factory.js';

let server: FakeOtlpGrpcServer;
let endpoint: string;
const exporters: Exporter[] = [];

beforeEach(async () => {
  server = new FakeOtlpGrpcServer();
  endpoint = await server.listen();
});
afterEach(async () => {
  for (const e of exporters.splice(0)) await e.shutdown();
  await server.close();
});

function make(cfg: Record<string, unknown>, logger = captureLogger().logger, metrics = new SelfMetrics()) {
  const config = otlpGrpcConfigSchema.parse({
    endpoint,
    tls: { insecure: true },
    retry_on_failure: { initial_interval: '10ms', max_interval: '50ms' },
    ...cfg,
  });
  const exp = factory.create(settingsWith('otlp_grpc', logger, metrics), config, [
    'traces',
    'logs',
    'metrics',
  ]);
  exporters.push(exp);
  return exp;
}

describe('otlp_grpc exporter', () => {
  it('retries UNAVAILABLE, then delivers once with headers as metadata and gzip', async () => {
    server.script = [() => ({ code: grpc.status.UNAVAILABLE }), () => ({ code: grpc.status.OK })];
    const metrics = new SelfMetrics();
    const exp = make({ headers: { 'X-Scope-OrgID': 'tenant-a' } }, undefined, metrics);
    await exp.start(emptyHost);
    await exp.consume('traces', traces('a', 'b', 'c'));
    await waitFor(() => server.requests.length === 2);
    await exp.shutdown();
    expect(server.requests.map(itemNames)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    const last = server.requests[1];
    expect(last.headers['x-scope-orgid']).toBe('tenant-a');
    expect(last.headers['grpc-encoding']).toBe('gzip');
    expect(last.headers['x-message-compressed']).toBe('true');
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'otlp_grpc' })).toBe(
      3,
    );
  });

  it('drops on INVALID_ARGUMENT and on RESOURCE_EXHAUSTED without RetryInfo', async () => {
    server.script = [
      () => ({ code: grpc.status.INVALID_ARGUMENT, details: 'bad data' }),
      () => ({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'quota' }),
    ];
    const cap = captureLogger();
    const metrics = new SelfMetrics();
    const exp = make({ sending_queue: { enabled: false } }, cap.logger, metrics);
    await exp.start(emptyHost);
    await expect(exp.consume('traces', traces('a'))).rejects.toMatchObject({ retryable: false });
    await expect(exp.consume('traces', traces('b', 'c'))).rejects.toMatchObject({ retryable: false });
    expect(server.requests.length).toBe(2);
    expect(
      await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'otlp_grpc' }),
    ).toBe(3);
    expect(cap.lines.some((l) => String(l.error).includes('bad data'))).toBe(true);
  });

  it('retries RESOURCE_EXHAUSTED with RetryInfo after at least the delay', async () => {
    const details = await encodeStatus(grpc.status.RESOURCE_EXHAUSTED, 'slow down', 300);
    server.script = [
      () => ({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'slow down', statusDetails: details }),
      () => ({ code: grpc.status.OK }),
    ];
    const exp = make({ sending_queue: { enabled: false } });
    await exp.start(emptyHost);
    await exp.consume('traces', traces('a'));
    const [first, second] = server.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(280);
  });

  it('logs a partial success and sends logs and metrics to their services', async () => {
    const response = await encodePartialSuccess('logs', 2, 'too old');
    server.script = [() => ({ code: grpc.status.OK, response })];
    const cap = captureLogger();
    const exp = make({ sending_queue: { enabled: false }, compression: 'none' }, cap.logger);
    await exp.start(emptyHost);
    await exp.consume('logs', {
      resourceLogs: [
        {
          resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
          schemaUrl: '',
          scopeLogs: [],
        },
      ],
    });
    expect(server.requests[0].signal).toBe('logs');
    expect(server.requests[0].headers['x-message-compressed']).toBe('false');
    expect(cap.lines.find((l) => l.msg === 'Partial success response')).toMatchObject({
      message: 'too old',
      dropped_log_records: 2,
    });
  });

  it('accepts the collector fixture keys it supports and defaults to TLS', async () => {
    const yaml = parse(await readFile(`${CONFORMANCE_DIR}collector-configs/otlpexporter.yaml`, 'utf8'));
    delete yaml.auth; // no auth extensions in Tsunagi: an error, as it should be
    const cfg = otlpGrpcConfigSchema.parse(yaml);
    expect(cfg).toMatchObject({ timeout: 10_000, balancer_name: 'round_robin', compression: 'gzip' });
    expect(cfg.keepalive).toMatchObject({ time: 20_000, timeout: 30_000, permit_without_stream: true });
    expect(grpcTarget(cfg)).toEqual({ target: '1.2.3.4:1234', secure: true });
    expect(grpcTarget({ ...cfg, endpoint: 'http://h:4317' })).toEqual({ target: 'h:4317', secure: false });
    expect(() => otlpGrpcConfigSchema.parse({ endpoint: 'h:4317', compression: 'zstd' })).toThrow(/zstd/);
  });
});
