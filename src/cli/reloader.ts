// Reload on demand (SIGHUP, --watch): load the config set again (base and
// fragments), and either hand it to the running service, which applies it by
// difference, or, when the base does not load or validate, log every error
// and keep the running pipelines untouched. Reloads never overlap: a request
// during a reload runs once more after it (requests in between coalesce).
import type { Registry } from '../component/component.js';
import { type ConfigSetResult, fragmentErrors, loadConfigSet } from '../config/fragments.js';
import { formatIssue } from '../config/issues.js';
import type { LastReload } from '../service/reload-status.js';
import type { Service } from '../service/service.js';
import type { Logger } from '../telemetry/logger.js';

export class Reloader {
  private running: Promise<LastReload | undefined> | undefined;
  private again = false;

  constructor(
    private readonly service: Service,
    private readonly load: (previous: ConfigSetResult['accepted']) => ConfigSetResult,
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
      (previous) => loadConfigSet(uris, registry, env, { dir, previous }),
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

  private async run(reason: string): Promise<LastReload | undefined> {
    this.logger.info({ reason }, 'Reloading the config');
    let set: ConfigSetResult;
    try {
      set = this.load(this.accepted);
    } catch (e) {
      set = { errors: [{ path: '', message: String(e) }], warnings: [], fragments: [], accepted: new Map() };
    }
    for (const w of set.warnings) this.logger.warn(w);
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
