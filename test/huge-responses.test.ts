// A backend (or something in its place) that answers with a huge body must not
// make an exporter read it: a 200 with 200 MiB took the process from 89 to
// 1163 MiB when whole bodies were read (issue: hostile and buggy clients, 3).
// Each exporter and the Kubernetes client here talks to a server that answers
// every request with a 200 MiB body, written as fast as the client reads; the
// assertion is on how much of it the server could write before the client let
// go (socket buffers on loopback hold a few MiB), and that the export settled.
import { createServer, type Server } from 'node:http';
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
import { captureLogger, settingsWith, traces } from '../src/exporterhelper/testing/helpers.js';
import { KubeClient } from '../src/k8s/client.js';
import { emptyHost } from './support/component.js';

const MiB = 1024 * 1024;
const HUGE = 200 * MiB;
/** What loopback socket buffers can hold once the client stopped reading, with margin. */
const BUFFERED = 24 * MiB;

let server: Server;
let url = '';
let status = 200;
let contentType = 'application/x-protobuf';
/** Bytes the server wrote per request. */
const written: number[] = [];

beforeAll(async () => {
  const chunk = Buffer.alloc(MiB, 0x20);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const i = written.push(0) - 1;
      res.writeHead(status, { 'content-type': contentType, 'content-length': HUGE });
      const pump = () => {
        while (written[i] < HUGE) {
          written[i] += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const noQueue = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };

async function run(exp: Exporter, send: () => Promise<void>): Promise<PromiseSettledResult<void>> {
  await exp.start(emptyHost);
  try {
    const [out] = await Promise.allSettled([send()]);
    return out;
  } finally {
    await exp.shutdown();
  }
}

function lastWritten(): number {
  return written[written.length - 1];
}

describe('exporters read at most 64 KiB of an answer', () => {
  it.each([200, 400])('otlp_http: %i with 200 MiB', async (code) => {
    status = code;
    contentType = 'application/x-protobuf';
    const cfg = otlpHttpConfigSchema.parse({ endpoint: url, compression: 'none', ...noQueue });
    const exp = otlpHttpFactory.create(settingsWith('otlp_http', captureLogger().logger), cfg, ['traces']);
    const out = await run(exp, () => exp.consume('traces', traces('a')));
    expect(out.status).toBe(code === 200 ? 'fulfilled' : 'rejected');
    expect(lastWritten()).toBeLessThan(BUFFERED);
  });

  it.each([200, 400])('loki: %i with 200 MiB', async (code) => {
    status = code;
    contentType = 'text/plain';
    const cfg = lokiConfigSchema.parse({ endpoint: `${url}/loki/api/v1/push`, ...noQueue });
    const exp = lokiFactory.create(settingsWith('loki', captureLogger().logger), cfg, ['logs']);
    const out = await run(exp, () =>
      exp.consume('logs', logs(resourceLogs({ 'service.name': 's' }, [record('line')]))),
    );
    expect(out.status).toBe(code === 200 ? 'fulfilled' : 'rejected');
    expect(lastWritten()).toBeLessThan(BUFFERED);
  });

  it.each([200, 400])(
    'elasticsearch: %i with 200 MiB (a _bulk answer is capped by its document count)',
    async (code) => {
      status = code;
      contentType = 'application/json';
      const cfg = elasticsearchConfigSchema.parse({ endpoint: url, retry: { max_retries: 0 }, ...noQueue });
      const exp = esFactory.create(settingsWith('elasticsearch', captureLogger().logger), cfg, ['logs']);
      const out = await run(exp, () =>
        exp.consume('logs', logs(resourceLogs({ 'service.name': 's' }, [record('line')]))),
      );
      // neither answer says what became of the document: not counted as delivered
      expect(out.status).toBe('rejected');
      expect(lastWritten()).toBeLessThan(BUFFERED);
    },
  );

  it.each([200, 400])('jaeger thrift_http: %i with 200 MiB', async (code) => {
    status = code;
    contentType = 'text/plain';
    const cfg = jaegerSchema.parse({ protocol: 'thrift_http', endpoint: `${url}/api/traces`, ...noQueue });
    const exp = jaegerFactory.create(settingsWith('jaeger', captureLogger().logger), cfg, ['traces']);
    const out = await run(exp, () => exp.consume('traces', traces('a')));
    expect(out.status).toBe(code === 200 ? 'fulfilled' : 'rejected');
    expect(lastWritten()).toBeLessThan(BUFFERED);
  });

  it('the Kubernetes client: an error answer of 200 MiB', async () => {
    status = 500;
    contentType = 'application/json';
    const client = new KubeClient({ baseUrl: url });
    try {
      await expect(client.get('/api/v1/pods')).rejects.toThrow(/HTTP 500/);
      expect(lastWritten()).toBeLessThan(BUFFERED);
    } finally {
      await client.close();
    }
  });
});
