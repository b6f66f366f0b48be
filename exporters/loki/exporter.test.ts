// The loki exporter through the exporter helper, against the strict Loki stand-in.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../../src/component/component.js';
import { ConsumerError } from '../../src/component/errors.js';
import { captureLogger, counterValue, settingsWith } from '../../src/exporterhelper/testing/helpers.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { LokiStandin } from '../../test/support/loki-standin.js';
import { lokiConfigSchema } from './config.js';
import { factory } from './factory.js';
import { LokiSender } from './sender.js';
import { logs, record, resourceLogs, SPAN_ID, TRACE_ID } from './testdata.js';

const loki = new LokiStandin({ maxBodyBytes: 64 * 1024 });
const open: Exporter[] = [];

beforeAll(async () => {
  await loki.start();
});
afterAll(async () => {
  for (const e of open) await e.shutdown();
  await loki.close();
});
beforeEach(() => loki.reset());

async function exporter(over: Record<string, unknown> = {}) {
  const metrics = new SelfMetrics();
  const log = captureLogger();
  const cfg = lokiConfigSchema.parse({
    endpoint: `${loki.url}/loki/api/v1/push`,
    sending_queue: { enabled: false },
    retry_on_failure: { initial_interval: '5ms', max_interval: '20ms', max_elapsed_time: '5s' },
    ...over,
  });
  const exp = factory.create(settingsWith('loki', log.logger, metrics), cfg, ['logs']);
  await exp.start(emptyHost);
  open.push(exp);
  const count = (what: 'sent' | 'send_failed') =>
    counterValue(metrics, `otelcol_exporter_${what}_log_records_total`, { exporter: 'loki' });
  return { exp, log, count };
}

function sample(n: number, tenantAttr?: string) {
  return logs(
    resourceLogs(
      {
        'service.name': 'checkout',
        'k8s.namespace.name': 'shop',
        ...(tenantAttr ? { tenant: tenantAttr } : {}),
      },
      Array.from({ length: n }, (_, i) =>
        record(`line ${i} ünïcødé`, {
          timeUnixNano: BigInt(Date.now()) * 1_000_000n + BigInt(i),
          severityNumber: 17,
          severityText: 'ERROR',
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          attrs: { 'http.route': '/pay', attempt: i },
        }),
      ),
    ),
  );
}

describe('loki exporter (protobuf + snappy)', () => {
  it('stores exactly what was sent: labels, lines, timestamps, structured metadata', async () => {
    const { exp, count } = await exporter();
    const data = sample(20);
    await exp.consume('logs', data);
    const [stream] = loki.select({ service_name: 'checkout' });
    expect(stream.labels).toEqual({ service_name: 'checkout', k8s_namespace_name: 'shop', level: 'error' });
    expect(stream.entries.map((e) => e.line)).toEqual(
      data.resourceLogs[0].scopeLogs[0].logRecords.map((_, i) => `line ${i} ünïcødé`),
    );
    expect(stream.entries.map((e) => e.ts)).toEqual(
      data.resourceLogs[0].scopeLogs[0].logRecords.map((r) => r.timeUnixNano),
    );
    expect(stream.entries[3].structuredMetadata).toEqual({
      scope_name: 'test-scope',
      scope_version: '1.0.0',
      http_route: '/pay',
      attempt: '3',
      severity_text: 'ERROR',
      severity_number: '17',
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
    });
    // The trace link: every line of that trace is found by its trace_id.
    expect(loki.findByMetadata('trace_id', '5b8efff798038103d269b633813fc60c')).toHaveLength(20);
    expect(loki.pushes.map((p) => [p.status, p.contentType])).toEqual([[204, 'application/x-protobuf']]);
    expect(await count('sent')).toBe(20);
    expect(await count('send_failed')).toBe(0);
  });

  it('sends JSON with gzip when encoding: json', async () => {
    const { exp } = await exporter({ encoding: 'json' });
    await exp.consume('logs', sample(5));
    expect(loki.pushes.map((p) => [p.contentType, p.contentEncoding])).toEqual([
      ['application/json', 'gzip'],
    ]);
    const [stream] = loki.select({ service_name: 'checkout' });
    expect(stream.entries).toHaveLength(5);
    expect(stream.entries[0].structuredMetadata.trace_id).toBe('5b8efff798038103d269b633813fc60c');
  });

  it('sends one request per tenant with X-Scope-OrgID and the configured headers', async () => {
    const { exp } = await exporter({
      tenant: { source: 'attribute', value: 'tenant' },
      headers: { 'X-Custom': 'yes' },
    });
    const data = sample(3, 'team-a');
    data.resourceLogs.push(...sample(2, 'team-b').resourceLogs);
    await exp.consume('logs', data);
    expect(loki.pushes.map((p) => [p.tenant, p.entries]).sort()).toEqual([
      ['team-a', 3],
      ['team-b', 2],
    ]);
    expect(loki.pushes.every((p) => p.headers['x-custom'] === 'yes')).toBe(true);
    expect(loki.entryCount('team-a')).toBe(3);
  });

  it('retries 429 and 5xx (honouring Retry-After) until Loki accepts', async () => {
    const { exp, count } = await exporter();
    loki.failNext(2, 429, { retryAfter: '0' });
    loki.failNext(1, 503);
    await exp.consume('logs', sample(10));
    expect(loki.pushes.map((p) => p.status)).toEqual([429, 429, 503, 204]);
    expect(loki.entryCount()).toBe(10);
    expect(await count('sent')).toBe(10);
    expect(await count('send_failed')).toBe(0);
  });

  it('retries only the tenant whose push failed', async () => {
    const { exp } = await exporter({ tenant: { source: 'attribute', value: 'tenant' } });
    loki.failNext(1, 500, { tenant: 'team-b' });
    const data = sample(3, 'team-a');
    data.resourceLogs.push(...sample(2, 'team-b').resourceLogs);
    await exp.consume('logs', data);
    expect(loki.pushes.filter((p) => p.tenant === 'team-a').map((p) => p.status)).toEqual([204]);
    expect(loki.pushes.filter((p) => p.tenant === 'team-b').map((p) => p.status)).toEqual([500, 204]);
    expect(loki.entryCount('team-a')).toBe(3);
    expect(loki.entryCount('team-b')).toBe(2);
  });

  it('never retries a 400: logs Loki’s message and counts the records as failed', async () => {
    const { exp, count, log } = await exporter();
    loki.failNext(1, 400, { message: 'entry for stream has label value too long' });
    await expect(exp.consume('logs', sample(7))).rejects.toMatchObject({ retryable: false });
    expect(loki.pushes).toHaveLength(1);
    expect(await count('send_failed')).toBe(7);
    expect(JSON.stringify(log.lines)).toMatch(/label value too long/);
  });

  it('splits a batch answered with 413 until every part fits', async () => {
    const { exp, count } = await exporter({ max_request_size: '10MiB' });
    const data = sample(400);
    for (const r of data.resourceLogs[0].scopeLogs[0].logRecords)
      r.body = {
        stringValue: `${(r.body as { stringValue: string }).stringValue} ${randomBytes(250).toString('hex')}`,
      };
    await exp.consume('logs', data);
    expect(loki.pushes[0].status).toBe(413);
    expect(loki.entryCount()).toBe(400);
    expect(await count('sent')).toBe(400);
  });

  it('fails records Loki would refuse before sending, each with a clear reason', async () => {
    const { exp, count, log } = await exporter();
    const data = sample(1);
    data.resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano = 1_000_000_000n; // 1970
    await expect(exp.consume('logs', data)).rejects.toMatchObject({ retryable: false });
    expect(loki.pushes).toHaveLength(0);
    expect(await count('send_failed')).toBe(1);
    expect(JSON.stringify(log.lines)).toMatch(/timestamp too old/);
  });

  it('sends the valid records of a mixed batch and reports exactly the rejected ones', async () => {
    const cfg = lokiConfigSchema.parse({ endpoint: loki.url });
    const sender = new LokiSender(settingsWith('loki', captureLogger().logger), cfg);
    await sender.start();
    const data = sample(5);
    const recs = data.resourceLogs[0].scopeLogs[0].logRecords;
    recs[1].timeUnixNano = 1n;
    recs[3].body = { stringValue: 'z'.repeat(300 * 1024) };
    const err = await sender.send('logs', data, new AbortController().signal).catch((e) => e);
    await sender.shutdown();
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err).toMatchObject({ retryable: false, rejectedItems: 2 });
    expect(loki.entryCount()).toBe(3);
  });

  it('treats connection errors as retryable', async () => {
    const cfg = lokiConfigSchema.parse({ endpoint: 'http://127.0.0.1:1/loki/api/v1/push' });
    const sender = new LokiSender(settingsWith('loki', captureLogger().logger), cfg);
    await sender.start();
    const err = await sender.send('logs', sample(2), new AbortController().signal).catch((e) => e);
    await sender.shutdown();
    expect(err).toMatchObject({ retryable: true });
    expect(err.retryData).toBeUndefined(); // the whole batch goes again
  });
});
