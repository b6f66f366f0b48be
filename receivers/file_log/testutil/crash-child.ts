// Child process for the kill -9 test: file_log with the real file_storage;
// every accepted record's body is written to stdout (synchronously) before
// consume() resolves, i.e. "delivered" means "on stdout".
import { writeSync } from 'node:fs';
import { factory as fileStorage } from '../../../extensions/file_storage/factory.js';
import { anyValueToString } from '../../../src/pdata/attributes.js';
import type { LogsData } from '../../../src/pdata/types.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { SelfMetrics } from '../../../src/telemetry/self-metrics.js';
import { factory } from '../factory.js';

const [storeDir, include] = process.argv.slice(2);
const settings = (id: string, kind: 'receiver' | 'extension') => ({
  id,
  kind,
  logger: silentLogger(),
  metrics: new SelfMetrics(),
});
const ext = fileStorage.create(
  settings('file_storage', 'extension'),
  fileStorage.configSchema.parse({ directory: storeDir }),
  {
    pipelinesReady: () => true,
  },
);
await ext.start({ getExtension: () => undefined });
const rcv = factory.create(
  settings('file_log', 'receiver'),
  factory.configSchema.parse({
    include: [include],
    start_at: 'beginning',
    storage: 'file_storage',
    poll_interval: '20ms',
  }),
  {
    logs: {
      async consume(d: LogsData) {
        let s = '';
        for (const rl of d.resourceLogs)
          for (const sl of rl.scopeLogs) for (const r of sl.logRecords) s += `${anyValueToString(r.body)}\n`;
        writeSync(1, s);
      },
    },
  },
);
await rcv.start({ getExtension: (id) => (id === 'file_storage' ? ext : undefined) });
writeSync(1, 'READY\n');
