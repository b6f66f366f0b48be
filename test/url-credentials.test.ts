// Credentials written into an exporter's URL (`http://user:pass@host`): sent as
// Basic auth, as Go's HTTP client (the collector's) sends them, and never
// printed: not in an error message, not in any log line of the binary (issue:
// hostile and buggy clients, 6). The backends here answer 401 without the
// right Authorization header, as a reverse proxy in front of Loki or
// Elasticsearch does.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elasticsearchConfigSchema } from '../exporters/elasticsearch/config.js';
import { factory as esFactory } from '../exporters/elasticsearch/factory.js';
import { configSchema as jaegerSchema } from '../exporters/jaeger/config.js';
import { factory as jaegerFactory } from '../exporters/jaeger/factory.js';
import { lokiConfigSchema } from '../exporters/loki/config.js';
import { factory as lokiFactory } from '../exporters/loki/factory.js';
import { logs, record, resourceLogs } from '../exporters/loki/testdata.js';
import { otlpHttpConfigSchema } from '../exporters/otlp_http/config.js';
import { factory as otlpHttpFactory } from '../exporters/otlp_http/factory.js';
import type { Exporter } from '../src/component/component.js';
import { endpointOf, redactUrl } from '../src/exporterhelper/endpoint.js';
import { captureLogger, settingsWith, traces } from '../src/exporterhelper/testing/helpers.js';
import { emptyHost } from './support/component.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const USER = 'team-a';
const SECRET = 'p@ss:w0rd/s3cret';
const userinfo = `${USER}:${encodeURIComponent(SECRET)}`;
const EXPECTED = `Basic ${Buffer.from(`${USER}:${SECRET}`).toString('base64')}`;

let server: Server;
let port = 0;
const seen: { path: string; authorized: boolean }[] = [];

function answer(req: IncomingMessage): { status: number; body: string } {
  if (req.headers.authorization !== EXPECTED) return { status: 401, body: 'unauthorized' };
  if (req.url?.includes('_bulk')) return { status: 200, body: '{"errors":false,"items":[]}' };
  return { status: req.url?.includes('/loki/') ? 204 : 200, body: '' };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer(req);
      seen.push({ path: req.url ?? '', authorized: a.status !== 401 });
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const noQueue = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };

async function exportOnce(exp: Exporter, send: () => Promise<void>): Promise<void> {
  await exp.start(emptyHost);
  try {
    await send();
  } finally {
    await exp.shutdown();
  }
}

describe('credentials in exporter URLs', () => {
  it('redactUrl and endpointOf follow Go (url.Redacted, Basic auth from userinfo)', () => {
    expect(redactUrl(`failed: http://${userinfo}@h:1/v1/traces and https://tok@x/y`)).toBe(
      'failed: http://team-a:xxxxx@h:1/v1/traces and https://xxxxx@x/y',
    );
    const ep = endpointOf(`http://${userinfo}@h:1/p`);
    expect(ep.url.href).toBe('http://h:1/p');
    expect(ep.authorization).toBe(EXPECTED);
  });

  it('every HTTP exporter sends them as Basic auth', async () => {
    const base = `http://${userinfo}@127.0.0.1:${port}`;
    const log = captureLogger().logger;
    const otlp = otlpHttpFactory.create(
      settingsWith('otlp_http', log),
      otlpHttpConfigSchema.parse({ endpoint: base, compression: 'none', ...noQueue }),
      ['traces'],
    );
    await exportOnce(otlp, () => otlp.consume('traces', traces('a')));
    const loki = lokiFactory.create(
      settingsWith('loki', log),
      lokiConfigSchema.parse({ endpoint: `${base}/loki/api/v1/push`, ...noQueue }),
      ['logs'],
    );
    await exportOnce(loki, () =>
      loki.consume('logs', logs(resourceLogs({ 'service.name': 's' }, [record('l')]))),
    );
    const es = esFactory.create(
      settingsWith('elasticsearch', log),
      elasticsearchConfigSchema.parse({ endpoint: base, ...noQueue }),
      ['logs'],
    );
    await exportOnce(es, () =>
      es.consume('logs', logs(resourceLogs({ 'service.name': 's' }, [record('l')]))),
    );
    const jaeger = jaegerFactory.create(
      settingsWith('jaeger', log),
      jaegerSchema.parse({ protocol: 'thrift_http', endpoint: `${base}/api/traces`, ...noQueue }),
      ['traces'],
    );
    await exportOnce(jaeger, () => jaeger.consume('traces', traces('a')));
    expect(seen.map((s) => s.path)).toEqual(['/v1/traces', '/loki/api/v1/push', '/_bulk', '/api/traces']);
    expect(seen.every((s) => s.authorized)).toBe(true);
  });

  it('an error message names the endpoint redacted', async () => {
    const exp = otlpHttpFactory.create(
      settingsWith('otlp_http', captureLogger().logger),
      otlpHttpConfigSchema.parse({ endpoint: `http://${userinfo}@127.0.0.1:1`, ...noQueue }),
      ['traces'],
    );
    const err = await exportOnce(exp, () => exp.consume('traces', traces('a'))).catch((e: Error) => e);
    expect(String(err)).toContain(`http://${USER}:xxxxx@127.0.0.1:1/v1/traces`);
    expect(String(err)).not.toContain(encodeURIComponent(SECRET));
  });

  it('no log line of the binary shows them', async () => {
    const config = `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
exporters:
  otlp_http/down:
    endpoint: http://${userinfo}@127.0.0.1:1
    retry_on_failure: { initial_interval: 10ms, max_interval: 20ms, max_elapsed_time: 100ms }
service:
  telemetry: { logs: { level: debug } }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_http/down] }
`;
    const t = await startTsunagi(config);
    try {
      const port = Number(/"address":"127\.0\.0\.1:(\d+)"/.exec(t.stderr())?.[1]);
      const body = Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"}]}]}]}');
      await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await waitFor(() => t.stderr().includes(`${USER}:xxxxx@127.0.0.1:1`), 'the export error line');
      expect(t.stderr()).not.toContain(encodeURIComponent(SECRET));
      expect(t.stderr()).not.toContain(SECRET);
    } finally {
      await t.stop();
    }
  });
});
