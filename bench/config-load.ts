// Loading a config with one huge map (60k keys): CPU seconds of the loader
// (read, parse, duplicate-key check, merge), and of the yaml library's own
// quadratic duplicate-key check (`uniqueKeys`) that the loader avoids.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSources } from '../src/config/sources.js';

function cpuSeconds(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-bench-config-'));
  for (const n of [15_000, 60_000]) {
    let text = 'receivers:\n  otlp:\n    protocols:\n      http:\n        response_headers:\n';
    for (let i = 0; i < n; i++) text += `          k${i}: v${i}\n`;
    const path = join(dir, `big-${n}.yaml`);
    writeFileSync(path, text);
    const loader: number[] = [];
    for (let i = 0; i < 3; i++) loader.push(cpuSeconds(() => loadSources([path])));
    loader.sort((a, b) => a - b);
    const quadratic = cpuSeconds(() => parse(text, { merge: true, uniqueKeys: true }));
    console.log(
      `${n} keys (${(text.length / 1024 / 1024).toFixed(1)} MiB): loader ${loader[1].toFixed(2)} CPU-s (median of 3); yaml with uniqueKeys ${quadratic.toFixed(2)} CPU-s`,
    );
  }
}
