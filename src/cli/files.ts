// Files that ship with the package (the default config, package.json), found
// by walking up from this module: works from src/ (tsx) and dist/src/ (built).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageFile(rel: string): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function defaultConfigPath(): string | undefined {
  return packageFile(join('config', 'default.yaml'));
}

export function version(): string {
  const p = packageFile('package.json');
  if (!p) return 'unknown';
  return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? 'unknown';
}
