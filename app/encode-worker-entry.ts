// Where the encode workers' script is, next to the running binary: the bundle
// (dist/tsunagi.mjs) has dist/tsunagi-encode-worker.mjs beside it; the unbundled
// build (dist/app/main.js) has dist/app/encode-worker.js; the sources (vitest)
// have app/encode-worker.ts, which the pool bundles before starting a worker.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function encodeWorkerEntry(from = import.meta.url): URL | undefined {
  const bundled = from.endsWith('.mjs');
  const url = new URL(
    bundled
      ? './tsunagi-encode-worker.mjs'
      : from.endsWith('.ts')
        ? './encode-worker.ts'
        : './encode-worker.js',
    from,
  );
  return existsSync(fileURLToPath(url)) ? url : undefined;
}
