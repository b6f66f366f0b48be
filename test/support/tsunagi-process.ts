// Runs the built `tsunagi` binary (dist/tsunagi.mjs, built by `npm test` before vitest) as a
// child process with a config written to a temp dir, as a user would run it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The binary as installed: the bundle `npm run build` makes (scripts/bundle.mjs), found from
 * test/support (vitest runs the sources) or from dist/test/support (a built bench uses this too).
 */
export const TSUNAGI_MAIN = [
  fileURLToPath(new URL('../../dist/tsunagi.mjs', import.meta.url)),
  fileURLToPath(new URL('../../tsunagi.mjs', import.meta.url)),
].find((p) => existsSync(p)) as string;

export interface TsunagiProcess {
  child: ChildProcess;
  /** The config file it was started with (rewrite it and send SIGHUP to reload). */
  configPath: string;
  /** Everything written to stderr so far (own logs, debug exporter). */
  stderr(): string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `nodeArgs`: Node flags before the script (V8 flags NODE_OPTIONS does not allow, e.g. --heap-growing-percent). */
export async function startTsunagi(
  configYaml: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  /** More tsunagi flags after --config (e.g. --config-dir, --watch). */
  extraArgs: string[] = [],
): Promise<TsunagiProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-test-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml);
  const child = spawn(process.execPath, [...nodeArgs, TSUNAGI_MAIN, '--config', configPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.resume();
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (err.includes('Everything is ready')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`tsunagi exited with ${child.exitCode} before ready:\n${err}`));
      }
    }, 20);
  });
  return {
    child,
    configPath,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** Polls `cond` every 25 ms until true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
