// The loki and elasticsearch exporters over TLS against the stand-ins with a
// throwaway self-signed certificate (openssl CLI): trusted through tls.ca_file,
// refused without it (a retryable connection error), accepted with insecure_skip_verify.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elasticsearchConfigSchema } from '../exporters/elasticsearch/config.js';
import { ElasticsearchSender } from '../exporters/elasticsearch/sender.js';
import { manyLogs } from '../exporters/elasticsearch/testdata.js';
import { lokiConfigSchema } from '../exporters/loki/config.js';
import { LokiSender } from '../exporters/loki/sender.js';
import { logs, record, resourceLogs } from '../exporters/loki/testdata.js';
import type { SendFunctions } from '../src/exporterhelper/index.js';
import { captureLogger, settingsWith } from '../src/exporterhelper/testing/helpers.js';
import { EsStandin } from './support/es-standin.js';
import { LokiStandin } from './support/loki-standin.js';

let dir: string;
let caFile: string;
let loki: LokiStandin;
let es: EsStandin;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsunagi-lokies-tls-'));
  caFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const tls = { cert: await readFile(caFile), key: await readFile(keyFile) };
  loki = await new LokiStandin({}, tls).start();
  es = await new EsStandin({ tls }).start();
});

afterAll(async () => {
  await loki.close();
  await es.close();
  await rm(dir, { recursive: true, force: true });
});

async function attempt(s: SendFunctions, data: unknown): Promise<unknown> {
  await s.start?.();
  try {
    await s.send('logs', data as never, new AbortController().signal);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await s.shutdown?.();
  }
}

const settings = () => settingsWith('tls', captureLogger().logger);
const lokiData = () => logs(resourceLogs({ 'service.name': 'tls' }, [record('over tls')]));

describe('loki and elasticsearch over TLS', () => {
  it('trusts the server through tls.ca_file', async () => {
    const l = new LokiSender(
      settings(),
      lokiConfigSchema.parse({ endpoint: loki.url, tls: { ca_file: caFile } }),
    );
    expect(await attempt(l, lokiData())).toBeUndefined();
    expect(loki.entryCount()).toBe(1);
    const e = new ElasticsearchSender(
      settings(),
      elasticsearchConfigSchema.parse({ endpoint: es.url, tls: { ca_file: caFile } }),
    );
    expect(await attempt(e, manyLogs(2))).toBeUndefined();
    expect(es.search('logs-*')).toHaveLength(2);
  });

  it('refuses an untrusted certificate (retryable) unless insecure_skip_verify', async () => {
    const l = new LokiSender(settings(), lokiConfigSchema.parse({ endpoint: loki.url }));
    expect(await attempt(l, lokiData())).toMatchObject({ retryable: true });
    const e = new ElasticsearchSender(settings(), elasticsearchConfigSchema.parse({ endpoint: es.url }));
    expect(await attempt(e, manyLogs(1))).toMatchObject({ retryable: true });
    const skip = new LokiSender(
      settings(),
      lokiConfigSchema.parse({ endpoint: loki.url, tls: { insecure_skip_verify: true } }),
    );
    expect(await attempt(skip, lokiData())).toBeUndefined();
  });
});
