// Helpers to run benchmark roles (sink, load generator, Tsunagi) as separate
// processes, so each process's CPU is measured on its own.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function forkRole(script: string, args: string[]): ChildProcess {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  return fork(path, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  for (;;) {
    const [msg] = (await once(child, 'message')) as [{ type: string } & T];
    if (msg.type === type) return msg;
  }
}

/**
 * Starts the built `tsunagi` binary with a config file; resolves when it logs readiness.
 * TSUNAGI_BENCH_NODE_ARGS adds Node flags to Tsunagi alone, e.g. `--cpu-prof` to profile it
 * (after the bench's own, so it can also override a manifest's heap flags);
 * TSUNAGI_BENCH_STDOUT names a file for its stdout (e.g. the output of `--trace-gc`);
 * TSUNAGI_BENCH_BINARY runs another build's tsunagi.mjs (A/B comparisons).
 */
export async function startTsunagi(configPath: string, extraArgs: string[] = []): Promise<ChildProcess> {
  const main =
    process.env.TSUNAGI_BENCH_BINARY ?? fileURLToPath(new URL('../../tsunagi.mjs', import.meta.url)); // the bundled binary
  const nodeArgs = (process.env.TSUNAGI_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extraArgs, ...nodeArgs, main, '--config', configPath], {
    stdio: [
      'ignore',
      process.env.TSUNAGI_BENCH_STDOUT ? openSync(process.env.TSUNAGI_BENCH_STDOUT, 'w') : 'ignore',
      'pipe',
    ],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Everything is ready')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tsunagi exited with ${code} before ready:\n${log}`)));
  });
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
