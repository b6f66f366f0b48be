// service.telemetry.logs.level reaches the real binary's logger: with WARN
// (upper case, as zap accepts it) warnings are written and info lines are not.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { freePort } from './support/ports.js';
import { TSUNAGI_MAIN, waitFor } from './support/tsunagi-process.js';

test('logs.level: WARN writes warnings and no info lines', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-level-'));
  const config = join(dir, 'config.yaml');
  // encoding: console draws a warning, so there is something at warn level.
  writeFileSync(
    config,
    `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
exporters:
  debug: {}
service:
  telemetry:
    logs: { level: WARN, encoding: console }
    metrics: { level: none }
  pipelines:
    logs: { receivers: [otlp], exporters: [debug] }
`,
  );
  const child = spawn(process.execPath, [TSUNAGI_MAIN, '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  try {
    // Serving (the receiver answers) means start-up, logged at info, is over.
    let serving = false;
    const poll = async () => {
      serving = await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'GET' }).then(
        () => true,
        () => false,
      );
    };
    await waitFor(() => {
      void poll();
      return serving || child.exitCode !== null;
    }, 'the receiver to serve');
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  const lines = stderr
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { level: string; msg: string });
  expect(lines.some((l) => l.level === 'warn' && /console/.test(l.msg))).toBe(true);
  expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
});
