// End to end: otlp_http exporter with a persistent sending queue on the
// file_storage extension, across restarts, against a fake OTLP backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { factory as httpFactory } from '../exporters/otlp_http/factory.js';
import { factory as fileStorageFactory } from '../extensions/file_storage/factory.js';
import type { Exporter, Host } from '../src/component/component.js';
import { captureLogger, settingsWith, traces, waitFor } from '../src/exporterhelper/testing/helpers.js';
import { emptyHost, testSettings } from './support/component.js';
import { FakeOtlpHttpServer, itemNames } from './support/fake-otlp.js';

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

function make(cfg: Record<string, unknown>) {
  const config = httpFactory.configSchema.parse({
    endpoint: url,
    retry_on_failure: { initial_interval: '10ms', max_interval: '50ms' },
    ...cfg,
  });
  const exp = httpFactory.create(settingsWith('otlp_http', captureLogger().logger), config, ['traces']);
  exporters.push(exp);
  return exp;
}

describe('otlp_http with a persistent queue on file_storage', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('survives a shutdown while the backend is down: the next instance sends everything, once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsunagi-pq-'));
    dirs.push(dir);
    const storageCfg = fileStorageFactory.configSchema.parse({ directory: dir });
    const run = async (backendUp: boolean, send: string[][]) => {
      server.script = [() => (backendUp ? { status: 200 } : { status: 503 })];
      const storage = fileStorageFactory.create(testSettings('file_storage', 'extension'), storageCfg, {
        pipelinesReady: () => true,
      });
      await storage.start(emptyHost);
      const host: Host = { getExtension: (id) => (id === 'file_storage' ? storage : undefined) };
      const exp = make({ sending_queue: { storage: 'file_storage' } });
      await exp.start(host);
      for (const names of send) await exp.consume('traces', traces(...names));
      return { exp, storage };
    };

    const down = await run(false, [['a'], ['b', 'c'], ['d']]);
    await waitFor(() => server.requests.length >= 3);
    await down.exp.shutdown();
    await down.storage.shutdown();
    const attemptsWhileDown = server.requests.length;

    const up = await run(true, []);
    await waitFor(() => {
      const names = server.requests.slice(attemptsWhileDown).flatMap(itemNames);
      return names.length >= 4;
    });
    await up.exp.shutdown();
    await up.storage.shutdown();
    const delivered = server.requests.slice(attemptsWhileDown).flatMap(itemNames).sort();
    expect(delivered).toEqual(['a', 'b', 'c', 'd']);

    // A third start finds nothing left to send.
    const before = server.requests.length;
    const again = await run(true, []);
    await new Promise((r) => setTimeout(r, 100));
    await again.exp.shutdown();
    await again.storage.shutdown();
    expect(server.requests.length).toBe(before);
  });
});
