// The elasticsearch exporter through the exporter helper, against the strict ES stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Exporter } from '../../src/component/component.js';
import {
  captureLogger,
  counterValue,
  settingsWith,
  turnsDuring,
} from '../../src/exporterhelper/testing/helpers.js';
import type { Signal } from '../../src/pdata/signal.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost } from '../../test/support/component.js';
import { EsStandin } from '../../test/support/es-standin.js';
import { BulkBuilder } from './builder.js';
import { elasticsearchConfigSchema } from './config.js';
import { factory } from './factory.js';
import { ElasticsearchSender } from './sender.js';
import { logRecord, logsOf, manyLogs, SPAN_HEX, span, TRACE_HEX, tracesOf } from './testdata.js';

const es = new EsStandin({ maxBodyBytes: 256 * 1024 });
const open: Exporter[] = [];

beforeAll(async () => {
  await es.start();
});
afterAll(async () => {
  for (const e of open) await e.shutdown();
  await es.close();
});
beforeEach(() => es.reset());

async function exporter(over: Record<string, unknown> = {}) {
  const metrics = new SelfMetrics();
  const log = captureLogger();
  const cfg = elasticsearchConfigSchema.parse({
    endpoint: es.url,
    sending_queue: { enabled: false },
    retry_on_failure: { initial_interval: '5ms', max_interval: '20ms', max_elapsed_time: '5s' },
    retry: { initial_interval: '1ms', max_interval: '5ms' },
    ...over,
  });
  const exp = factory.create(settingsWith('elasticsearch', log.logger, metrics), cfg, ['logs', 'traces']);
  await exp.start(emptyHost);
  open.push(exp);
  const count = (what: 'sent' | 'send_failed', signal: Signal = 'logs') =>
    counterValue(metrics, `otelcol_exporter_${what}_${signal === 'logs' ? 'log_records' : 'spans'}_total`, {
      exporter: 'elasticsearch',
    });
  return { exp, log, count, cfg };
}

describe('elasticsearch exporter: mapping and routing', () => {
  it('otel mode writes the OTel-native document to logs-generic.otel-default', async () => {
    const { exp, count } = await exporter();
    await exp.consume('logs', logsOf([logRecord('paid', { 'user.id': 'u1', 'http.status_code': 200 })]));
    expect(es.indices()).toEqual(['logs-generic.otel-default']);
    const [doc] = es.search('logs-generic.otel-default');
    expect(doc.source).toEqual({
      '@timestamp': '2023-11-14T22:13:20.123456789Z',
      data_stream: { type: 'logs', dataset: 'generic.otel', namespace: 'default' },
      body: { text: 'paid' },
      severity_text: 'INFO',
      severity_number: 9,
      trace_id: TRACE_HEX,
      span_id: SPAN_HEX,
      attributes: { 'user.id': 'u1', 'http.status_code': 200 },
      resource: {
        attributes: {
          'service.name': 'checkout',
          'host.name': 'node-1',
          'k8s.namespace.name': 'shop',
          'k8s.pod.name': 'checkout-7d9f',
        },
      },
      scope: { name: 'io.test', version: '1.2.3' },
    });
    expect(es.requests[0].headers['content-encoding']).toBe('gzip');
    expect(await count('sent')).toBe(1);
  });

  it('honours data_stream.* routing attributes (record over resource)', async () => {
    const { exp } = await exporter();
    await exp.consume(
      'logs',
      logsOf([logRecord('a', { 'data_stream.dataset': 'nginx.access' }), logRecord('b')], {
        'service.name': 'x',
        'data_stream.namespace': 'Prod',
      }),
    );
    expect(es.indices()).toEqual(['logs-generic.otel-prod', 'logs-nginx.access.otel-prod']);
    expect(es.search('logs-nginx.access.otel-prod')[0].source.data_stream).toEqual({
      type: 'logs',
      dataset: 'nginx.access.otel',
      namespace: 'prod',
    });
  });

  it('ecs mode writes ECS fields to logs-generic-default', async () => {
    const { exp } = await exporter({ mapping: { mode: 'ecs' } });
    await exp.consume('logs', logsOf([logRecord('paid', { 'user.id': 'u1' })]));
    const [doc] = es.search('logs-generic-default');
    expect(doc.source).toMatchObject({
      '@timestamp': '2023-11-14T22:13:20.123456789Z',
      message: 'paid',
      'log.level': 'INFO',
      'trace.id': TRACE_HEX,
      'span.id': SPAN_HEX,
      'service.name': 'checkout',
      'host.name': 'node-1',
      'host.hostname': 'node-1',
      'kubernetes.namespace': 'shop',
      'kubernetes.pod.name': 'checkout-7d9f',
      'user.id': 'u1',
      'data_stream.type': 'logs',
    });
    expect(es.term('logs-*', 'trace.id', TRACE_HEX)).toHaveLength(1);
  });

  it('exports spans and span events, keeping trace and span IDs so logs and traces link', async () => {
    const { exp, count } = await exporter();
    await exp.consume('traces', tracesOf([span('POST /pay')]));
    await exp.consume('logs', logsOf([logRecord('card declined')]));
    const [spanDoc] = es.search('traces-generic.otel-default');
    expect(spanDoc.source).toMatchObject({
      trace_id: TRACE_HEX,
      span_id: SPAN_HEX,
      parent_span_id: '0102030405060708',
      name: 'POST /pay',
      kind: 'Server',
      duration: 1_500_000,
      status: { code: 'Error', message: 'boom' },
      attributes: { 'http.route': '/pay' },
    });
    const linked = es.term('logs-*', 'trace_id', TRACE_HEX);
    expect(linked.map((d) => d.source.event_name ?? (d.source.body as { text: string }).text).sort()).toEqual(
      ['card declined', 'exception'],
    );
    expect(await count('sent', 'traces')).toBe(1);
  });

  it('writes plain indices from logs_index / traces_index with the logstash date', async () => {
    const { exp } = await exporter({
      logs_index: 'app-logs',
      traces_index: 'app-traces',
      logstash_format: { enabled: true },
    });
    await exp.consume('logs', logsOf([logRecord('x')]));
    await exp.consume('traces', tracesOf([span('s', false)]));
    expect(es.indices()).toEqual(['app-logs-2023.11.14', 'app-traces-2023.11.14']);
  });

  it('bodymap writes the map body as the document and rejects other bodies', async () => {
    const { exp, count } = await exporter({ mapping: { mode: 'bodymap' }, logs_index: 'raw-events' });
    await exp.consume(
      'logs',
      logsOf([logRecord({ '@timestamp': '2024-01-01T00:00:00Z', event: { kind: 'x' } })]),
    );
    expect(es.search('raw-events')[0].source).toEqual({
      '@timestamp': '2024-01-01T00:00:00Z',
      event: { kind: 'x' },
    });
    await expect(exp.consume('logs', logsOf([logRecord('text')]))).rejects.toMatchObject({
      retryable: false,
    });
    expect(await count('send_failed')).toBe(1);
  });

  it('lets a scope (elastic.mapping.mode) or the client (X-Elastic-Mapping-Mode) pick an allowed mode', async () => {
    const { exp, count } = await exporter({ mapping: { mode: 'otel', allowed_modes: ['otel', 'ecs'] } });
    const scoped = logsOf([logRecord('via scope')]);
    scoped.resourceLogs[0].scopeLogs[0].scope.attributes = [
      { key: 'elastic.mapping.mode', value: { stringValue: 'ecs' } },
    ];
    await exp.consume('logs', scoped);
    await exp.consume('logs', logsOf([logRecord('via metadata')]), {
      metadata: { 'x-elastic-mapping-mode': ['ecs'] },
    });
    expect(es.search('logs-generic-default').map((d) => d.source.message)).toEqual([
      'via scope',
      'via metadata',
    ]);
    await expect(
      exp.consume('logs', logsOf([logRecord('raw?')]), { metadata: { 'x-elastic-mapping-mode': ['raw'] } }),
    ).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/not in mapping.allowed_modes/),
    });
    expect(await count('send_failed')).toBe(1);
  });

  it('sends auth, headers and the pipeline', async () => {
    const { exp } = await exporter({
      user: 'elastic',
      password: 'search',
      pipeline: 'mypipeline',
      headers: { myheader: 'test' },
    });
    await exp.consume('logs', manyLogs(1));
    expect(es.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from('elastic:search').toString('base64')}`,
    );
    expect(es.requests[0].headers.myheader).toBe('test');
    expect(es.requests[0].query.get('pipeline')).toBe('mypipeline');
    const k = await exporter({ api_key: 'AvFsEiPs==' });
    await k.exp.consume('logs', manyLogs(1));
    expect(es.requests[1].headers.authorization).toBe('ApiKey AvFsEiPs==');
  });
});

describe('elasticsearch exporter: _bulk answers', () => {
  it('retries items answered 429 alone, inside the send (retry.*), storing each once', async () => {
    const { exp, count } = await exporter();
    es.rejectNextItems(3);
    await exp.consume('logs', manyLogs(10));
    expect(es.requests.map((r) => r.items)).toEqual([10, 3]);
    expect(
      es
        .search('logs-*')
        .map((d) => (d.source.body as { text: string }).text)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i}`).sort());
    expect(await count('sent')).toBe(10);
    expect(await count('send_failed')).toBe(0);
  });

  it('hands items still rejected after retry.max_retries back to the helper (retryData), losing nothing', async () => {
    const { exp, count } = await exporter({ retry: { max_retries: 0 } });
    es.rejectNextItems(2);
    await exp.consume('logs', manyLogs(5));
    expect(es.requests.map((r) => r.items)).toEqual([5, 2]);
    expect(es.search('logs-*')).toHaveLength(5);
    expect(await count('sent')).toBe(5);
  });

  it('never retries a mapping error: counts, logs the reason, dead-letters the document', async () => {
    const { exp, count, log } = await exporter({ dead_letter_index: 'tsunagi-dlq' });
    await exp.consume(
      'logs',
      manyLogs(1, () => ({ code: 5 })),
    );
    await expect(
      exp.consume(
        'logs',
        manyLogs(2, () => ({ code: { nested: true } })),
      ),
    ).rejects.toMatchObject({
      retryable: false,
    });
    expect(es.search('logs-*')).toHaveLength(1);
    expect(es.requests.filter((r) => r.query.size === 0 && r.items === 2)).toHaveLength(2); // the batch + the DLQ write
    expect(await count('send_failed')).toBe(2);
    expect(JSON.stringify(log.lines)).toMatch(
      /mapper_parsing_exception: failed to parse field \[attributes.code\] of type \[long\]/,
    );
    const dlq = es.search('tsunagi-dlq');
    expect(dlq).toHaveLength(2);
    expect(dlq[0].source['error.type']).toBe('mapper_parsing_exception');
    expect(JSON.parse(dlq[0].source.document as string).attributes).toEqual({ code: { nested: true } });
  });

  it('reports exactly the permanently rejected items of a mixed batch', async () => {
    const cfg = elasticsearchConfigSchema.parse({ endpoint: es.url, compression: 'none' });
    const sender = new ElasticsearchSender(settingsWith('es', captureLogger().logger), cfg);
    await sender.start();
    await sender.send(
      'logs',
      manyLogs(1, () => ({ code: 5 })),
      new AbortController().signal,
    );
    const err = await sender
      .send(
        'logs',
        manyLogs(5, (i) => ({ code: i % 2 ? { bad: 1 } : i })),
        new AbortController().signal,
      )
      .catch((e) => e);
    await sender.shutdown();
    expect(err).toMatchObject({ retryable: false, rejectedItems: 2 });
    expect(es.search('logs-*')).toHaveLength(4);
  });

  it('counts a 409 on create as already delivered', async () => {
    const { exp, count } = await exporter({ logs_dynamic_id: { enabled: true } });
    const data = () => logsOf([logRecord('once', { 'elasticsearch.document_id': 'doc-1' })]);
    await exp.consume('logs', data());
    await exp.consume('logs', data());
    expect(es.search('logs-*')).toHaveLength(1);
    expect(es.search('logs-*')[0]._id).toBe('doc-1');
    expect(await count('sent')).toBe(2);
    expect(await count('send_failed')).toBe(0);
  });

  it('retries a whole request answered 429 (Retry-After) or 5xx', async () => {
    const { exp, count } = await exporter();
    es.failNextRequests(1, 429, '0');
    es.failNextRequests(1, 503);
    await exp.consume('logs', manyLogs(4));
    expect(es.requests.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(es.search('logs-*')).toHaveLength(4);
    expect(await count('sent')).toBe(4);
  });

  it('splits a request answered 413', async () => {
    const { exp, count } = await exporter({ compression: 'none' });
    await exp.consume(
      'logs',
      manyLogs(300, () => ({ pad: 'x'.repeat(1500) })),
    );
    expect(es.requests[0].status).toBe(413);
    expect(es.search('logs-*')).toHaveLength(300);
    expect(await count('sent')).toBe(300);
  });

  it('cuts bodies at flush.bytes', async () => {
    const { exp } = await exporter({ flush: { bytes: 4096 } });
    await exp.consume('logs', manyLogs(50));
    expect(es.requests.length).toBeGreaterThan(3);
    expect(es.requests.every((r) => r.status === 200)).toBe(true);
    expect(es.search('logs-*')).toHaveLength(50);
  });

  it('treats a 401 as permanent', async () => {
    const auth = new EsStandin({ auth: 'Basic nope' });
    await auth.start();
    const cfg = elasticsearchConfigSchema.parse({ endpoint: auth.url, user: 'u', password: 'p' });
    const sender = new ElasticsearchSender(settingsWith('es', captureLogger().logger), cfg);
    await sender.start();
    const err = await sender.send('logs', manyLogs(3), new AbortController().signal).catch((e) => e);
    await sender.shutdown();
    await auth.close();
    expect(err).toMatchObject({ retryable: false, rejectedItems: 3 });
    expect(err.message).toMatch(/HTTP 401: .*security_exception/);
  });
});

describe('elasticsearch exporter: traces and the queue', () => {
  it('retries only the spans whose documents were rejected, as a pdata subset', async () => {
    const cfg = elasticsearchConfigSchema.parse({ endpoint: es.url, retry: { max_retries: 0 } });
    const sender = new ElasticsearchSender(settingsWith('es', captureLogger().logger), cfg);
    await sender.start();
    es.rejectNextItems(1); // the first span's document
    const data = tracesOf([span('a', false), span('b', false), span('c', false)]);
    const err = await sender.send('traces', data, new AbortController().signal).catch((e) => e);
    await sender.shutdown();
    expect(err).toMatchObject({ retryable: true, throttled: true });
    const names = err.retryData.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.name)),
    );
    expect(names).toEqual(['a']);
    expect(es.search('traces-*').map((d) => d.source.name)).toEqual(['b', 'c']);
  });

  it('ecs mode writes spans with trace.id / span.id / parent.id', async () => {
    const { exp } = await exporter({ mapping: { mode: 'ecs' } });
    await exp.consume('traces', tracesOf([span('POST /pay')]));
    const [doc] = es.search('traces-generic-default');
    expect(doc.source).toMatchObject({
      'trace.id': TRACE_HEX,
      'span.id': SPAN_HEX,
      'parent.id': '0102030405060708',
      'span.name': 'POST /pay',
      'event.outcome': 'failure',
      'event.duration': 1_500_000,
      'service.name': 'checkout',
    });
    expect(
      es.term('logs-generic-default', 'trace.id', TRACE_HEX).map((d) => d.source['event.action']),
    ).toEqual(['exception']);
  });

  it('delivers through the default sending queue', async () => {
    const { exp, count } = await exporter({ sending_queue: { enabled: true } });
    await exp.consume('logs', manyLogs(7));
    const deadline = Date.now() + 5000;
    while (es.search('logs-*').length < 7 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(es.search('logs-*')).toHaveLength(7);
    while ((await count('sent')) < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await count('sent')).toBe(7);
  });
});

describe('elasticsearch exporter: several endpoints', () => {
  it('spreads requests round-robin and moves on from an endpoint that is down', async () => {
    const other = await new EsStandin().start();
    const { exp, count } = await exporter({
      endpoint: undefined,
      endpoints: [es.url, other.url, 'http://127.0.0.1:1'],
    });
    for (let i = 0; i < 3; i++) await exp.consume('logs', manyLogs(2));
    // es, other, (down → retried by the helper on) es.
    expect(es.search('logs-*')).toHaveLength(4);
    expect(other.search('logs-*')).toHaveLength(2);
    expect(await count('sent')).toBe(6);
    await other.close();
  });
});

describe('elasticsearch exporter: answers are not held while a batch is built', () => {
  it('gives the event loop back while building the documents of a large batch', async () => {
    const cfg = elasticsearchConfigSchema.parse({ endpoint: es.url });
    const data = manyLogs(8192, (i) => ({ 'user.id': `u${i}`, 'http.status_code': 200 }));
    const { result, turns } = await turnsDuring(() => new BulkBuilder(cfg).logs(data));
    // Built in one synchronous stretch, 8192 records held the loop 100-400 ms: no receiver
    // could answer its sender meanwhile. Now other callbacks run between slices of a few ms.
    expect(turns).toBeGreaterThan(1);
    expect(result.chunks.reduce((n, c) => n + c.n, 0)).toBe(8192);
  });
});
