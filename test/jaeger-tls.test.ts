// TLS on the jaeger receiver (grpc, thrift_http) with the jaeger exporter as
// client, using a throwaway CA made with the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factory } from '../exporters/jaeger/factory.js';
import { factory as receiverFactory } from '../receivers/jaeger/factory.js';
import type { JaegerReceiver } from '../receivers/jaeger/receiver.js';
import { CollectingConsumer, emptyHost, testSettings } from './support/component.js';
import { input } from './support/jaeger-otlp-fixture.js';

let dir: string;
const f = (n: string) => path.join(dir, n);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'jaeger-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.crt'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('jaeger over TLS', () => {
  for (const protocol of ['grpc', 'thrift_http'] as const) {
    it(`exporter -> receiver with a private CA (${protocol})`, async () => {
      const sink = new CollectingConsumer<'traces'>();
      const tls = { cert_file: f('server.crt'), key_file: f('server.key') };
      const rcfg = receiverFactory.configSchema.parse({
        protocols: { [protocol]: { endpoint: '127.0.0.1:0', tls } },
      });
      const receiver = receiverFactory.create(testSettings('jaeger'), rcfg, {
        traces: sink,
      }) as JaegerReceiver;
      await receiver.start(emptyHost);
      const port = receiver.ports[protocol];
      const ecfg = factory.configSchema.parse(
        protocol === 'grpc'
          ? { endpoint: `localhost:${port}`, tls: { ca_file: f('ca.crt') } }
          : { protocol, endpoint: `https://localhost:${port}/api/traces`, tls: { ca_file: f('ca.crt') } },
      );
      const exporter = factory.create(testSettings('jaeger', 'exporter'), ecfg, ['traces']);
      try {
        await exporter.start(emptyHost);
        await exporter.consume('traces', input());
        const end = Date.now() + 5000;
        while (sink.received.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        expect({ resourceSpans: sink.received.flatMap((td) => td.resourceSpans) }).toEqual(input());
      } finally {
        await exporter.shutdown();
        await receiver.shutdown();
      }
    });
  }
});
