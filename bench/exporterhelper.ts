// Exporter helper overhead: batches of 100 spans through a no-op backend,
// inline vs memory queue vs persistent queue on file_storage (fsync on/off),
// plus raw file_storage set() throughput with concurrent writers (group commit).
// Run: npm run bench exporterhelper   (each case ~2 s)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factory as fileStorage } from '../extensions/file_storage/factory.js';
import { LogStore } from '../extensions/file_storage/log-store.js';
import type { Host } from '../src/component/component.js';
import {
  createQueuedExporter,
  retryOnFailureSchema,
  sendingQueueSchema,
} from '../src/exporterhelper/index.js';
import { traces } from '../src/exporterhelper/testing/helpers.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';

const SPANS = 100;
const CASE_MS = 2000;
const CONCURRENCY = 32;

async function measure(
  name: string,
  consume: () => Promise<void>,
  drain: () => Promise<void>,
  perOp = SPANS,
) {
  const end = Date.now() + CASE_MS;
  let n = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await consume();
        n++;
      }
    }),
  );
  await drain();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    perOp > 0
      ? `${name.padEnd(40)} ${(n / s).toFixed(0).padStart(8)} batches/s ${((n * perOp) / s).toFixed(0).padStart(10)} spans/s`
      : `${name.padEnd(40)} ${(n / s).toFixed(0).padStart(8)} writes/s`,
  );
}

async function exporterCase(name: string, queue: Record<string, unknown>, host: Host) {
  const batch = traces(...Array.from({ length: SPANS }, (_, i) => `span-${i}`));
  let sent = 0;
  const exp = createQueuedExporter(
    { id: 'bench', kind: 'exporter', logger: silentLogger(), metrics: new SelfMetrics() },
    {
      timeout: 5000,
      sending_queue: sendingQueueSchema.parse({ block_on_overflow: true, ...queue }),
      retry_on_failure: retryOnFailureSchema.parse({}),
    },
    ['traces'],
    {
      send: async () => {
        sent++;
      },
    },
  );
  await exp.start(host);
  await measure(
    name,
    () => exp.consume('traces', batch),
    () => exp.shutdown(),
  );
  if (sent === 0) throw new Error('nothing sent');
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tsunagi-bench-'));
  try {
    const none: Host = { getExtension: () => undefined };
    await exporterCase('inline (queue disabled)', { enabled: false }, none);
    await exporterCase('memory queue', {}, none);
    for (const fsync of [true, false]) {
      const ext = fileStorage.create(
        { id: 'file_storage', kind: 'extension', logger: silentLogger(), metrics: new SelfMetrics() },
        fileStorage.configSchema.parse({
          directory: join(dir, String(fsync)),
          create_directory: true,
          fsync,
        }),
        { pipelinesReady: () => true },
      );
      await ext.start(none);
      await exporterCase(
        `persistent queue (fsync: ${fsync})`,
        { storage: 'fs' },
        { getExtension: () => ext },
      );
      await ext.shutdown();
    }
    const store = await LogStore.open({
      path: join(dir, 'raw'),
      fsync: true,
      lockTimeoutMs: 1000,
      logger: silentLogger(),
    });
    const value = new Uint8Array(4096);
    let k = 0;
    await measure(
      `file_storage set 4 KiB x${CONCURRENCY} (fsync)`,
      () => store.set(`k${k++ % 1000}`, value),
      () => store.close(),
      0,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (/bench\/exporterhelper\.(ts|js)$/.test(process.argv[1] ?? '')) await main();
