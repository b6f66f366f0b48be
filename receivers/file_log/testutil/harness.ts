// Test helpers: a file_log receiver in a temp dir, the bodies it delivered, bounded waits.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../../src/component/component.js';
import { anyValueToString } from '../../../src/pdata/attributes.js';
import type { LogsData } from '../../../src/pdata/types.js';
import { SelfMetrics } from '../../../src/telemetry/self-metrics.js';
import { CollectingConsumer, testSettings } from '../../../test/support/component.js';
import { configSchema } from '../config.js';
import { factory } from '../factory.js';
import { CHECKPOINT_KEYS, mergeCheckpoint } from '../known-files.js';

export function tempDir(prefix = 'filelog-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** What a restart would resume from: the stored checkpoint table with its offsets overlay applied. */
export function storedCheckpoint(
  client: { data: Map<string, Uint8Array> } | undefined,
): { offset: number; path: string }[] {
  if (!client) return [];
  return (
    mergeCheckpoint(client.data.get(CHECKPOINT_KEYS.table), client.data.get(CHECKPOINT_KEYS.offsets)) ?? []
  );
}

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function bodies(c: CollectingConsumer<'logs'>): string[] {
  const out: string[] = [];
  for (const d of c.received)
    for (const rl of d.resourceLogs)
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) out.push(anyValueToString(r.body));
  return out;
}

export function records(data: LogsData[]) {
  return data.flatMap((d) =>
    d.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => ({ rl, r })))),
  );
}

export async function startReceiver(
  raw: Record<string, unknown>,
  opts: { host?: Host; consumer?: CollectingConsumer<'logs'>; metrics?: SelfMetrics } = {},
) {
  const consumer = opts.consumer ?? new CollectingConsumer<'logs'>();
  const metrics = opts.metrics ?? new SelfMetrics();
  const cfg = configSchema.parse({ poll_interval: '20ms', force_flush_period: '150ms', ...raw });
  const rcv = factory.create(testSettings('file_log', 'receiver', metrics), cfg, { logs: consumer });
  await rcv.start(opts.host ?? { getExtension: () => undefined });
  return { rcv, consumer, metrics };
}
