// A config we ship (config/*.yaml), rewired for a test on loopback: every
// receiver and extension endpoint on a free 127.0.0.1 port, file_storage in a
// temp dir, own metrics off; the rest (processors, exporters, queues) as shipped.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from './ports.js';

// From test/support/ when run by vitest, from dist/test/support/ when a built bench uses it.
const CONFIG_DIR = [new URL('../../config/', import.meta.url), new URL('../../../config/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((d) => existsSync(join(d, 'gateway.yaml')))!;

export interface Rewired {
  yaml: string;
  /** Port of each receiver protocol by `receiver/protocol` (e.g. `otlp/http`). */
  ports: Record<string, number>;
  storageDir: string;
}

export async function rewireShipped(file: string, storageDir?: string): Promise<Rewired> {
  const cfg = parse(readFileSync(join(CONFIG_DIR, file), 'utf8'));
  const ports: Record<string, number> = {};
  for (const [id, r] of Object.entries<any>(cfg.receivers ?? {}))
    for (const [proto, p] of Object.entries<any>(r?.protocols ?? {})) {
      const port = await freePort();
      ports[`${id}/${proto}`] = port;
      r.protocols[proto] = { ...(p ?? {}), endpoint: `127.0.0.1:${port}` };
    }
  const dir = storageDir ?? mkdtempSync(join(tmpdir(), 'tsunagi-shipped-'));
  for (const [id, e] of Object.entries<any>(cfg.extensions ?? {})) {
    if (id.startsWith('file_storage')) cfg.extensions[id] = { ...(e ?? {}), directory: dir };
    if (id.startsWith('health_check'))
      cfg.extensions[id] = { ...(e ?? {}), endpoint: `127.0.0.1:${await freePort()}` };
  }
  cfg.service.telemetry = { metrics: { level: 'none' } };
  return { yaml: stringify(cfg), ports, storageDir: dir };
}
