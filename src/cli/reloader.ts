// Reload on demand (SIGHUP, --watch): load the config set again (base and
// fragments), and either hand it to the running service, which applies it by
// difference, or, when the base does not load or validate, log every error
// and keep the running pipelines untouched. Reloads never overlap: a request
// during a reload runs once more after it (requests in between coalesce).
//
// Remote config (the opamp extension) takes the same path: its files are YAML
// layers merged on top of the local config files (like more --config values),
// kept for later reloads while they apply, and dropped again when they do not.
import type { Registry, RemoteConfigFile, RemoteConfigOutcome } from '../component/component.js';
import { type ConfigSetResult, fragmentErrors, loadConfigSet } from '../config/fragments.js';
import { formatIssue } from '../config/issues.js';
import type { LastReload } from '../service/reload-status.js';
import type { Service } from '../service/service.js';
import type { Logger } from '../telemetry/logger.js';

export class Reloader {
  private running: Promise<LastReload | undefined> | undefined;
  private again = false;
  /** Remote config layers in force (YAML bodies with their names), merged after the local files. */
  private remote: readonly RemoteConfigFile[] = [];
  /** Set while a remote config is tried: an extension ID the result must keep running. */
  private mustKeep: string | undefined;

  constructor(
    private readonly service: Service,
    private readonly load: (
      previous: ConfigSetResult['accepted'],
      remote: readonly RemoteConfigFile[],
    ) => ConfigSetResult,
    private readonly logger: Logger,
    /** What the start accepted (fragments kept when they later break). */
    private accepted: ConfigSetResult['accepted'],
  ) {}

  static forCli(
    service: Service,
    uris: readonly string[],
    dir: string | undefined,
    registry: Registry,
    env: NodeJS.ProcessEnv,
    logger: Logger,
    initial: ConfigSetResult,
  ): Reloader {
    return new Reloader(
      service,
      (previous, remote) =>
        loadConfigSet([...uris, ...remote.map((f) => `yaml:${f.body}`)], registry, env, { dir, previous }),
      logger,
      initial.accepted,
    );
  }

  /** Reloads now, or once more after the reload running; resolves with that reload's outcome. */
  request(reason: string): Promise<LastReload | undefined> {
    if (this.running) {
      this.again = true;
      return this.running.then(() => this.running ?? this.request(reason));
    }
    this.running = this.run(reason).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.request('changed again during the reload');
      }
    });
    return this.running;
  }

  /**
   * Applies remote config files (an empty list: back to the local config only)
   * through the same load, validate and apply as request(); the files stay in
   * force for later reloads only if they applied.
   */
  async applyRemote(files: readonly RemoteConfigFile[], keepExtension: string): Promise<RemoteConfigOutcome> {
    while (this.running) await this.running.catch(() => {});
    const previous = this.remote;
    this.remote = files;
    this.mustKeep = keepExtension;
    let outcome: LastReload | undefined;
    try {
      outcome = await this.request('remote configuration (opamp)');
    } finally {
      this.mustKeep = undefined;
    }
    if (!outcome?.applied) this.remote = previous;
    return { applied: !!outcome?.applied, errors: outcome?.errors ?? ['the reload gave no outcome'] };
  }

  private async run(reason: string): Promise<LastReload | undefined> {
    this.logger.info({ reason }, 'Reloading the config');
    let set: ConfigSetResult;
    try {
      set = this.load(this.accepted, this.remote);
    } catch (e) {
      set = { errors: [{ path: '', message: String(e) }], warnings: [], fragments: [], accepted: new Map() };
    }
    for (const w of set.warnings) this.logger.warn(w);
    if (set.config && this.mustKeep && !set.config.serviceExtensions.includes(this.mustKeep))
      set = {
        ...set,
        config: undefined,
        errors: [
          {
            path: 'service::extensions',
            message: `the remote config must keep extension "${this.mustKeep}" running (the one that applies it)`,
          },
        ],
      };
    if (!set.config) {
      const errors = set.errors.map(formatIssue);
      for (const e of errors)
        this.logger.error(
          { error: e },
          'Config reload refused: invalid config; the running pipelines are kept',
        );
      this.service.noteRefusedReload(errors);
      return this.service.reloadStatus().lastReload;
    }
    const notes = fragmentErrors(set.fragments);
    for (const n of notes) this.logger.error({ error: n }, 'Config fragment refused');
    const outcome = await this.service.reload(set.config, notes);
    if (outcome.applied) this.accepted = set.accepted;
    return outcome;
  }
}
