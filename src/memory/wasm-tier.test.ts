import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepWasmInBaselineTier, wasmTierFlagGiven } from './wasm-tier.js';

// The built module (npm test compiles before it runs vitest), run in a fresh Node.
const built = fileURLToPath(new URL('../../dist/src/memory/wasm-tier.js', import.meta.url));
const root = fileURLToPath(new URL('../../package.json', import.meta.url));

/**
 * The most memory (MiB) V8's compilers held while undici's WebAssembly HTTP parser read 3200
 * responses (enough for V8 to find it hot and, by default, recompile it with TurboFan).
 */
function compilerPeakMiB(keep: boolean, nodeArgs: string[] = []): number {
  const script = `
    import { createServer } from 'node:http';
    import { createRequire } from 'node:module';
    import { getHeapStatistics } from 'node:v8';
    const { keepWasmInBaselineTier } = await import(${JSON.stringify(built)});
    if (${keep}) keepWasmInBaselineTier(true);
    const { Pool } = createRequire(${JSON.stringify(root)})('undici');
    const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"partialSuccess":{}}')); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const pool = new Pool('http://127.0.0.1:' + server.address().port, { connections: 4 });
    let max = 0;
    for (let i = 0; i < 800; i++) {
      await Promise.all([0, 1, 2, 3].map(async () => {
        const r = await pool.request({ path: '/v1/traces', method: 'POST', body: 'x' });
        await r.body.text();
      }));
      if (i % 10 === 0) max = Math.max(max, getHeapStatistics().malloced_memory);
    }
    await pool.close();
    server.close();
    console.log(max / 1048576);`;
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: '', TSUNAGI_WASM_LIFTOFF_ONLY: '' },
    encoding: 'utf8',
  });
  return Number(out.trim());
}

describe('keepWasmInBaselineTier', () => {
  it('keeps the TurboFan recompile of the HTTP parser (tens of MiB of compiler memory) from happening', () => {
    // the control: V8 tiers the parser up by itself under this load
    expect(compilerPeakMiB(false)).toBeGreaterThan(15);
    expect(compilerPeakMiB(true)).toBeLessThan(8);
  }, 60_000);

  it('recognizes wasm tiering flags on the command line and in NODE_OPTIONS', () => {
    expect(wasmTierFlagGiven(['--liftoff-only'], '')).toBe(true);
    expect(wasmTierFlagGiven([], '--max-old-space-size=320 --no-liftoff')).toBe(true);
    expect(wasmTierFlagGiven(['--wasm-dynamic-tiering'], '')).toBe(true);
    expect(wasmTierFlagGiven(['--no_wasm_tier_up'], '')).toBe(true);
    expect(wasmTierFlagGiven(['--max-semi-space-size=8'], '--heap-growing-percent=100')).toBe(false);
  });

  it('leaves an explicit wasm flag alone, and can be turned off', () => {
    expect(
      execFileSync(
        process.execPath,
        [
          '--liftoff',
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(built)}); console.log(m.keepWasmInBaselineTier())`,
        ],
        { env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' },
      ).trim(),
    ).toBe('false');
    expect(keepWasmInBaselineTier(false)).toBe(false);
  });
});
