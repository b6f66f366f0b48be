// The tsunagi command: run (default), validate, components, --help, --version.
// Everything the outside world provides (argv, output, env, signals, exit)
// is injected so tests drive it in-process.
import { cpus } from 'node:os';
import type { Registry } from '../component/component.js';
import { errorMessage } from '../component/errors.js';
import { fragmentErrors, loadConfigSet } from '../config/fragments.js';
import { formatIssue } from '../config/issues.js';
import { parseDurationMs } from '../config/schema-types.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, Service } from '../service/service.js';
import { createLogger, type Logger, type LogLevel } from '../telemetry/logger.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';
import { parseArgs, USAGE } from './args.js';
import { describeComponents } from './components.js';
import { defaultConfigPath, version } from './files.js';
import { Reloader } from './reloader.js';
import { watchConfig } from './watch.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Where SIGTERM/SIGINT (stop) and SIGHUP (reload) come from (process by default). */
  signals: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Immediate exit, used when a second signal forces the shutdown. */
  exit(code: number): void;
  createLogger(level: LogLevel): Logger;
  /** Called once the service runs (tests use it to find ports and send signals). */
  onRunning?(service: Service): void;
}

function defaultIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    signals: process,
    exit: (code) => process.exit(code),
    createLogger,
  };
}

/** Runs the command; resolves with the process exit code. */
export async function runCli(
  argv: readonly string[],
  registry: Registry,
  ioOverrides: Partial<CliIo> = {},
): Promise<number> {
  const io = { ...defaultIo(), ...ioOverrides };
  const args = parseArgs(argv);
  if (args.errors.length) {
    io.stderr(`${args.errors.map((e) => `Error: ${e}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  switch (args.command) {
    case 'help':
      io.stdout(USAGE);
      return 0;
    case 'version':
      io.stdout(`tsunagi version ${version()}\n`);
      return 0;
    case 'components':
      io.stdout(describeComponents(registry));
      return 0;
  }

  let configs = args.configs;
  if (configs.length === 0) {
    const def = defaultConfigPath();
    if (!def) {
      io.stderr('Error: no --config given and the embedded default config/default.yaml was not found\n');
      return 1;
    }
    configs = [def];
  }
  const result = loadConfigSet(configs, registry, io.env, { dir: args.configDir });
  const fragmentProblems = fragmentErrors(result.fragments);

  if (args.command === 'validate') {
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    if (result.errors.length) {
      io.stderr(
        `Error: invalid configuration (${result.errors.length} error${result.errors.length > 1 ? 's' : ''}):\n`,
      );
      for (const e of result.errors) io.stderr(`${formatIssue(e)}\n`);
      return 1;
    }
    if (fragmentProblems.length) {
      const refused = result.fragments.filter((f) => f.status !== 'ok').map((f) => f.file);
      io.stderr(
        `Error: ${refused.length} of ${result.fragments.length} fragments refused (${refused.join(', ')}):\n`,
      );
      for (const e of fragmentProblems) io.stderr(`${e}\n`);
      return 1;
    }
    const n = result.fragments.length;
    io.stdout(`Configuration is valid${result.dir ? ` (with ${n} fragment${n === 1 ? '' : 's'})` : ''}.\n`);
    return 0;
  }

  if (!result.config) {
    io.stderr(`Error: invalid configuration:\n${result.errors.map((e) => `${formatIssue(e)}\n`).join('')}`);
    return 1;
  }
  const logger = io.createLogger(result.config.telemetry.logs.level);
  for (const w of result.warnings) logger.warn(w);
  for (const e of fragmentProblems) logger.error({ error: e }, 'Config fragment refused');

  const timeoutMs = shutdownTimeout(io.env, logger);
  const service = new Service(result.config, {
    logger,
    metrics: new SelfMetrics({ processMetrics: true }),
    shutdownTimeoutMs: timeoutMs,
    build: { name: 'tsunagi', version: version() },
    availableComponents: {
      receivers: registry.receivers.map((f) => f.type),
      processors: registry.processors.map((f) => f.type),
      exporters: registry.exporters.map((f) => f.type),
      extensions: registry.extensions.map((f) => f.type),
      connectors: registry.connectors.map((f) => f.type),
    },
  });
  logger.info({ version: version(), NumCPU: cpus().length }, 'Starting tsunagi...');

  // Signals are watched from the start so a SIGTERM during start still shuts down cleanly.
  let signalled: (sig: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info({ signal: sig }, 'Received signal from OS');
      signalled(sig);
    } else {
      logger.error({ signal: sig }, 'Received a second signal; forcing exit without draining');
      io.exit(130);
    }
  };
  // Reloads are served once running; a SIGHUP before that is logged and ignored
  // (never the default action, which would end the process).
  const reloader = Reloader.forCli(service, configs, args.configDir, registry, io.env, logger, result);
  let canReload = false;
  service.setRemoteConfigHandler((files, keep) =>
    canReload && signals === 0
      ? reloader.applyRemote(files, keep)
      : Promise.resolve({ applied: false, errors: ['the service is not running (starting or stopping)'] }),
  );
  const onHangup = () => {
    if (!canReload || signals > 0) {
      logger.warn('Received SIGHUP before the pipelines run or while stopping; not reloading');
      return;
    }
    void reloader.request('SIGHUP');
  };
  io.signals.on('SIGTERM', onSignal);
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGHUP', onHangup);
  let watcher: { close(): void } | undefined;
  try {
    try {
      await service.start();
    } catch (e) {
      logger.error({ error: errorMessage(e) }, 'Failed to start');
      return 1;
    }
    canReload = true;
    if (args.watch) {
      const files = configs.flatMap((c) => (/^(env|yaml):/.test(c) ? [] : [c.replace(/^file:/, '')]));
      const dirs = result.dir ? [result.dir] : [];
      watcher = watchConfig(
        files,
        dirs,
        () => {
          if (signals === 0) void reloader.request('a config file changed');
        },
        (e) => logger.warn({ error: e.message }, 'Cannot watch the config for changes'),
      );
      logger.info({ files, dirs }, 'Watching the config for changes');
    }
    io.onRunning?.(service);
    // Run until a signal even when no component holds the event loop open (only `nop`
    // receivers, telemetry off): the collector runs until it is stopped, too.
    const keepAlive = setInterval(() => {}, 2 ** 30);
    await stopRequested.finally(() => clearInterval(keepAlive));
    canReload = false;
    watcher?.close();
    const clean = await service.shutdown();
    return clean ? 0 : 1;
  } finally {
    watcher?.close();
    io.signals.off('SIGTERM', onSignal);
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGHUP', onHangup);
  }
}

function shutdownTimeout(env: NodeJS.ProcessEnv, logger: Logger): number {
  const raw = env.TSUNAGI_SHUTDOWN_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : parseDurationMs(raw);
  if (ms === undefined) {
    logger.warn({ value: raw }, 'TSUNAGI_SHUTDOWN_TIMEOUT is not a duration; using 30s');
    return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  }
  return ms;
}
