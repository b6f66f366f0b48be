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

function make(cfg: Record<string, unknown>, endpoint = url) {
  const config = httpFactory.configSchema.parse({
    endpoint,
    retry_on_failure: { initial_interval: '10ms', max_interval: '50ms' },
    ...cfg,
  });
  const exp = httpFactory.create(settingsWith('otlp_http', captureLogger().logger), config, ['traces']);
  exporters.push(exp);
  return exp;
}

/** A file_storage directory for one test (removed with `dirs`); each call of the returned function starts a new instance on it. */
async function storageInNewDir(dirs: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'tsunagi-pq-'));
  dirs.push(dir);
  const storageCfg = fileStorageFactory.configSchema.parse({ directory: dir });
  return async () => {
    const st = fileStorageFactory.create(testSettings('file_storage', 'extension'), storageCfg, {
      pipelinesReady: () => true,
    });
    await st.start(emptyHost);
    return st;
  };
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

  it('recovers what a crashed instance (no shutdown) had accepted', async () => {
    const newStorage = await storageInNewDir(dirs);
    const deadServer = new FakeOtlpHttpServer();
    const deadUrl = await deadServer.listen();
    deadServer.script = [() => ({ status: 503 })];
    try {
      const st1 = await newStorage();
      const crashed = make({ sending_queue: { storage: 'file_storage' } }, deadUrl);
      await crashed.start({ getExtension: () => st1 });
      await crashed.consume('traces', traces('x', 'y'));
      await crashed.consume('traces', traces('z'));
      // No shutdown: the process "dies" here; a new one starts on the same directory.
      const st2 = await newStorage();
      const next = make({ sending_queue: { storage: 'file_storage' } });
      await next.start({ getExtension: () => st2 });
      await waitFor(() => server.requests.flatMap(itemNames).length >= 3);
      expect(server.requests.flatMap(itemNames).sort()).toEqual(['x', 'y', 'z']);
      await next.shutdown();
      await st2.shutdown();
    } finally {
      await deadServer.close();
    }
  });

  it('with batching in the queue: a 503 outage, a restart on leftovers and concurrent producers deliver every span once, and shutdown is prompt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsunagi-pq-'));
    dirs.push(dir);
    const storageCfg = fileStorageFactory.configSchema.parse({ directory: dir });
    let down = true;
    const accepted: string[] = [];
    server.script = [
      (req) => {
        if (down) return { status: 503 };
        accepted.push(...itemNames(req));
        return { status: 200 };
      },
    ];
    const queue = {
      storage: 'file_storage',
      num_consumers: 4,
      batch: { min_size: 20, max_size: 40, flush_timeout: '20ms' },
    };
    const instance = async () => {
      const storage = fileStorageFactory.create(testSettings('file_storage', 'extension'), storageCfg, {
        pipelinesReady: () => true,
      });
      await storage.start(emptyHost);
      const exp = make({ sending_queue: queue });
      await exp.start({ getExtension: (id) => (id === 'file_storage' ? storage : undefined) });
      return { exp, storage };
    };
    /** 4 producers at once, `n` one- or two-span requests each. */
    const produce = (exp: Exporter, prefix: string, n: number) =>
      Promise.all(
        [0, 1, 2, 3].map(async (p) => {
          for (let i = 0; i < n; i++) {
            const name = `${prefix}${p}-${i}`;
            await exp.consume('traces', i % 3 === 0 ? traces(`${name}a`, `${name}b`) : traces(name));
          }
        }),
      );
    const expected = (prefix: string, n: number) =>
      [0, 1, 2, 3].flatMap((p) =>
        Array.from({ length: n }, (_, i) =>
          i % 3 === 0 ? [`${prefix}${p}-${i}a`, `${prefix}${p}-${i}b`] : [`${prefix}${p}-${i}`],
        ).flat(),
      );
    /** Shutdown resolves within `ms` (null if it did not). */
    const timedShutdown = async (
      i: { exp: Exporter; storage: { shutdown(): Promise<void> } },
      ms: number,
    ) => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([
        (async () => {
          await i.exp.shutdown();
          await i.storage.shutdown();
          return true;
        })(),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), ms);
        }),
      ]);
      clearTimeout(timer);
      return ok ? Date.now() - t0 : null;
    };

    // 1. The backend is down: everything is queued on disk, retried, and kept at shutdown.
    const first = await instance();
    await produce(first.exp, 'a', 30);
    await waitFor(() => server.requests.length >= 4);
    expect(await timedShutdown(first, 2000), 'shutdown with the backend down').not.toBeNull();
    expect(accepted).toEqual([]);

    // 2. A new instance on the same directory: the leftovers go out next to new
    // data from concurrent producers; the backend refuses for a while, then accepts.
    const second = await instance();
    const producing = produce(second.exp, 'b', 30);
    setTimeout(() => {
      down = false;
    }, 300);
    await producing;
    const all = [...expected('a', 30), ...expected('b', 30)].sort();
    await waitFor(() => accepted.length >= all.length, 8000);
    // Every batch was sent and deleted from the queue: shutdown has nothing to wait for.
    expect(await timedShutdown(second, 2000), 'shutdown after everything was sent').not.toBeNull();
    expect([...accepted].sort()).toEqual(all);

    // 3. Nothing is left on disk to send again.
    const before = server.requests.length;
    const third = await instance();
    await new Promise((r) => setTimeout(r, 100));
    expect(await timedShutdown(third, 2000), 'shutdown of an idle instance').not.toBeNull();
    expect(server.requests.length).toBe(before);
  }, 20_000);

  it('shutdown with a backend that never answers returns within timeout and keeps the batch for the next start', async () => {
    const newStorage = await storageInNewDir(dirs);
    const hung = new FakeOtlpHttpServer();
    const hungUrl = await hung.listen();
    hung.script = [() => new Promise(() => {})];
    try {
      const st1 = await newStorage();
      const exp = make({ timeout: '500ms', sending_queue: { storage: 'file_storage', batch: {} } }, hungUrl);
      await exp.start({ getExtension: () => st1 });
      await exp.consume('traces', traces('p', 'q'));
      await waitFor(() => hung.requests.length >= 1);
      const t0 = Date.now();
      await exp.shutdown();
      await st1.shutdown();
      expect(Date.now() - t0).toBeLessThan(1500);

      const st2 = await newStorage();
      const next = make({ sending_queue: { storage: 'file_storage' } });
      await next.start({ getExtension: () => st2 });
      await waitFor(() => server.requests.flatMap(itemNames).length >= 2);
      await next.shutdown();
      await st2.shutdown();
      expect(server.requests.flatMap(itemNames).sort()).toEqual(['p', 'q']);
    } finally {
      await hung.close();
    }
  });
});
