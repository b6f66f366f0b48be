// Child process for the crash test: writes keys to a file_storage store as
// fast as it can and prints each key's number once set() resolved (acked).
// The parent SIGKILLs it mid-stream and checks every acked key survived.
import { LogStore } from '../../extensions/file_storage/log-store.js';
import { silentLogger } from '../../src/telemetry/logger.js';

const path = process.argv[2];
const store = await LogStore.open({ path, fsync: true, lockTimeoutMs: 5000, logger: silentLogger() });
const value = new Uint8Array(2000).fill(7);
let i = 0;
const writer = async () => {
  for (;;) {
    const k = i++;
    await store.set(`k${k}`, value);
    process.stdout.write(`${k}\n`);
  }
};
await Promise.all([writer(), writer(), writer(), writer()]);
