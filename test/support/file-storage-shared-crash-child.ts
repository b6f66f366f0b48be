// Child process for the shared-commit crash test: a file_storage extension with
// two clients, as two exporters' persistent queues on it. Each "request" writes
// its record to both (as a fan-out to two queues does) and is "answered" — its
// number printed — once both writes resolved. The parent SIGKILLs it mid-stream.
import { fileStorageConfigSchema } from '../../extensions/file_storage/config.js';
import type { FileStorageExtension } from '../../extensions/file_storage/extension.js';
import { factory } from '../../extensions/file_storage/factory.js';
import { testSettings } from './component.js';

const ext = factory.create(
  testSettings('file_storage', 'extension'),
  fileStorageConfigSchema.parse({ directory: process.argv[2] }),
  { pipelinesReady: () => true },
) as FileStorageExtension;
await ext.start();
const clients = [
  await ext.getClient('exporter', 'loki', 'logs'),
  await ext.getClient('exporter', 'elasticsearch', 'logs'),
];
const value = new Uint8Array(3000).fill(7);
let next = 0;
const sender = async () => {
  for (;;) {
    const i = next++;
    await Promise.all(
      clients.map((c) =>
        c.batch([
          { op: 'set', key: `item/${i}`, value },
          { op: 'set', key: 'wi', value: new TextEncoder().encode(String(i + 1)) },
        ]),
      ),
    );
    // and a sent batch's delete, lazily durable, as the queue does
    if (i >= 8)
      for (const c of clients) void c.batch([{ op: 'delete', key: `item/${i - 8}` }], { lazy: true });
    process.stdout.write(`${i}\n`);
  }
};
await Promise.all([sender(), sender(), sender(), sender()]);
