// The OpAMP agent, independent of the transport: composes each AgentToServer
// (instance_uid, sequence_num and capabilities always; description, effective
// config, health, remote config status and available components when they
// changed, on a new connection, or when the server asks for the full state)
// and acts on each ServerToAgent (new instance_uid, flags, error_response,
// remote_config, heartbeat interval). Remote config goes through the
// service's hot-reload path; the status goes APPLYING, then APPLIED or FAILED
// with the validation errors, echoing the config hash.
import type { ExtensionServices } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { OpampConfig } from './config.js';
import { formatUuid } from './identity.js';
import {
  AgentCapabilities,
  type AgentToServer,
  RemoteConfigStatuses,
  ServerErrorResponseType,
  type ServerToAgent,
  ServerToAgentFlags,
} from './proto.js';
import { agentDescription, availableComponents, effectiveConfigYaml, health, healthKey } from './report.js';

/** What the agent asks of its transport. */
export interface TransportControl {
  /** There is something new to report: send it soon. */
  kick(): void;
  /** The server is unavailable (error_response): send again only after this long. */
  backoff(ms: number | undefined): void;
  /** The server offers a heartbeat interval (ConnectionSettingsOffers.opamp). */
  setHeartbeat(ms: number): void;
}

const YAML_TYPES =
  /^(|text\/yaml|text\/x-yaml|application\/yaml|application\/x-yaml|application\/yml|text\/yml)$/i;

export class OpampAgent {
  private seq = 0;
  private full = true;
  private componentsRequested = false;
  private sentDescription = '';
  private sentConfigGeneration = -1;
  private configGeneration = 0;
  private sentHealth = '';
  private sentRemoteStatus = '';
  private remoteStatus: NonNullable<AgentToServer['remote_config_status']> | undefined;
  /** Statuses not sent yet, oldest first: each goes out in its own message (APPLYING is never skipped). */
  private readonly pendingStatuses: NonNullable<AgentToServer['remote_config_status']>[] = [];
  private lastOfferedHash = '';
  private remoteQueue: Promise<void> = Promise.resolve();
  private transport: TransportControl | undefined;
  readonly capabilities: number;
  /** Remote configs applied and refused (tests, status). */
  readonly remoteOutcomes: { hash: string; applied: boolean; errors: string[] }[] = [];

  constructor(
    private readonly cfg: OpampConfig,
    private readonly id: string,
    private readonly services: ExtensionServices,
    private readonly logger: Logger,
    private uid: Uint8Array,
  ) {
    const c = cfg.capabilities;
    let caps = AgentCapabilities.ReportsStatus | AgentCapabilities.ReportsHeartbeat;
    if (c.reports_effective_config) caps |= AgentCapabilities.ReportsEffectiveConfig;
    if (c.reports_health) caps |= AgentCapabilities.ReportsHealth;
    if (c.reports_available_components) caps |= AgentCapabilities.ReportsAvailableComponents;
    if (c.accepts_remote_config)
      caps |= AgentCapabilities.AcceptsRemoteConfig | AgentCapabilities.ReportsRemoteConfig;
    this.capabilities = caps;
  }

  attach(t: TransportControl): void {
    this.transport = t;
  }

  get instanceUid(): Uint8Array {
    return this.uid;
  }

  /** The next message carries everything (a new connection, a lost message). */
  resendAll(): void {
    this.full = true;
  }

  private build(): { name: string; version: string; startedAt: number } {
    const s = this.services.status?.snapshot().service;
    return {
      name: s?.name ?? 'tsunagi',
      version: s?.version ?? 'unknown',
      startedAt: s?.startedAt ?? Date.now(),
    };
  }

  /** True when something changed since the last message (polled by the extension's watch timer). */
  changed(): boolean {
    const gen = this.services.reloadStatus?.().configGeneration ?? 0;
    if (gen !== this.configGeneration) {
      this.configGeneration = gen;
      if (this.cfg.capabilities.reports_effective_config) return true;
    }
    return this.cfg.capabilities.reports_health && this.currentHealth().key !== this.sentHealth;
  }

  private currentHealth() {
    const snap = this.services.status?.snapshot();
    if (!snap) {
      const ready = this.services.pipelinesReady();
      const h = {
        healthy: ready,
        start_time_unix_nano: 0,
        status: ready ? 'StatusOK' : 'StatusStarting',
        status_time_unix_nano: Date.now() * 1e6,
      };
      return { h, key: healthKey(h) };
    }
    const h = health(snap, this.services.pipelinesReady());
    return { h, key: healthKey(h) };
  }

  compose(disconnect = false): AgentToServer {
    const full = this.full;
    this.full = false;
    const m: AgentToServer = {
      instance_uid: this.uid,
      sequence_num: ++this.seq,
      capabilities: this.capabilities,
    };
    if (disconnect) {
      m.agent_disconnect = {};
      return m;
    }
    const build = this.build();
    const desc = agentDescription(
      this.cfg.agent_description,
      formatUuid(this.uid),
      build,
      this.services.resourceAttributes?.() ?? {},
    );
    const descKey = JSON.stringify(desc);
    if (full || descKey !== this.sentDescription) {
      m.agent_description = desc;
      this.sentDescription = descKey;
    }
    if (this.cfg.capabilities.reports_effective_config) {
      this.configGeneration = this.services.reloadStatus?.().configGeneration ?? 0;
      if (full || this.configGeneration !== this.sentConfigGeneration) {
        const body = effectiveConfigYaml(this.services.effectiveConfig?.() ?? {});
        m.effective_config = {
          config_map: { config_map: { '': { body: Buffer.from(body), content_type: 'text/yaml' } } },
        };
        this.sentConfigGeneration = this.configGeneration;
      }
    }
    if (this.cfg.capabilities.reports_health) {
      const { h, key } = this.currentHealth();
      if (full || key !== this.sentHealth) {
        m.health = h;
        this.sentHealth = key;
      }
    }
    const nextStatus = this.pendingStatuses.shift();
    if (nextStatus) {
      this.remoteStatus = nextStatus;
      if (this.pendingStatuses.length) queueMicrotask(() => this.transport?.kick());
    }
    if (this.remoteStatus) {
      const key = JSON.stringify(this.remoteStatus, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
      if (full || key !== this.sentRemoteStatus) {
        m.remote_config_status = this.remoteStatus;
        this.sentRemoteStatus = key;
      }
    }
    if (this.cfg.capabilities.reports_available_components && (full || this.componentsRequested)) {
      m.available_components = availableComponents(this.services, build.version);
      this.componentsRequested = false;
    }
    return m;
  }

  /** Acts on one ServerToAgent; anything to report back is sent through the transport's kick(). */
  handle(msg: ServerToAgent): void {
    const t = this.transport;
    if (msg.error_response) {
      const er = msg.error_response;
      if (er.type === ServerErrorResponseType.Unavailable) {
        this.logger.warn(
          { error: er.error_message, retry_after_ms: er.retry_after_ms },
          'OpAMP server is unavailable; retrying later',
        );
        this.full = true;
        t?.backoff(er.retry_after_ms);
      } else this.logger.error({ error: er.error_message }, 'OpAMP server returned an error response');
      return;
    }
    let kick = false;
    if (msg.new_instance_uid) {
      if (msg.new_instance_uid.length === 16) {
        this.logger.info(
          { old_id: formatUuid(this.uid), new_id: formatUuid(msg.new_instance_uid) },
          'OpAMP agent identity is being changed',
        );
        this.uid = new Uint8Array(msg.new_instance_uid);
        kick = true;
      } else
        this.logger.error(
          { length: msg.new_instance_uid.length },
          'Invalid agent ID provided as new instance UID (must be 16 bytes)',
        );
    }
    if (msg.flags & ServerToAgentFlags.ReportFullState) {
      this.full = true;
      kick = true;
    }
    if (msg.flags & ServerToAgentFlags.ReportAvailableComponents) {
      this.componentsRequested = true;
      kick = true;
    }
    if (msg.heartbeat_interval_seconds) t?.setHeartbeat(msg.heartbeat_interval_seconds * 1000);
    if (msg.command !== undefined)
      this.logger.warn(
        'OpAMP server sent a restart command; tsunagi does not accept it (capability not reported)',
      );
    if (msg.remote_config) {
      if (this.cfg.capabilities.accepts_remote_config) this.offerRemote(msg.remote_config);
      else this.logger.debug('Ignoring remote config: capabilities.accepts_remote_config is off');
    }
    if (kick) t?.kick();
  }

  private offerRemote(rc: NonNullable<ServerToAgent['remote_config']>): void {
    const hash = Buffer.from(rc.config_hash).toString('hex');
    // The server sends its offer again until the status names its hash: apply each hash once.
    if (hash === this.lastOfferedHash) {
      this.transport?.kick();
      return;
    }
    this.lastOfferedHash = hash;
    this.remoteQueue = this.remoteQueue.then(() => this.applyRemote(rc, hash));
  }

  /** Resolves once every remote config offered so far was applied or refused. */
  settled(): Promise<void> {
    return this.remoteQueue;
  }

  private async applyRemote(rc: NonNullable<ServerToAgent['remote_config']>, hash: string): Promise<void> {
    const setStatus = (status: number, error?: string) => {
      this.pendingStatuses.push({
        last_remote_config_hash: rc.config_hash,
        status,
        ...(error ? { error_message: error } : {}),
      });
      this.transport?.kick();
    };
    setStatus(RemoteConfigStatuses.APPLYING);
    const errors: string[] = [];
    const files: { name: string; body: string }[] = [];
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (const f of rc.files) {
      const label = f.name === '' ? 'the remote config' : `remote config file "${f.name}"`;
      if (!YAML_TYPES.test(f.content_type.trim())) {
        errors.push(`${label}: content type "${f.content_type}" is not YAML`);
        continue;
      }
      try {
        files.push({ name: f.name, body: utf8.decode(f.body) });
      } catch {
        errors.push(`${label}: the body is not UTF-8 text`);
      }
    }
    let outcome: { applied: boolean; errors: string[] };
    if (errors.length) outcome = { applied: false, errors };
    else if (!this.services.applyRemoteConfig)
      outcome = { applied: false, errors: ['this process cannot apply remote configuration'] };
    else {
      this.logger.info(
        { hash, files: files.map((f) => f.name) },
        'Applying remote config from the OpAMP server',
      );
      try {
        outcome = await this.services.applyRemoteConfig(files, this.id);
      } catch (e) {
        outcome = { applied: false, errors: [e instanceof Error ? e.message : String(e)] };
      }
    }
    this.remoteOutcomes.push({ hash, ...outcome });
    if (outcome.applied && outcome.errors.length === 0) setStatus(RemoteConfigStatuses.APPLIED);
    else {
      const text = outcome.errors.join('\n') || 'the remote config was not applied';
      this.logger.error({ hash, errors: outcome.errors, applied: outcome.applied }, 'Remote config failed');
      setStatus(RemoteConfigStatuses.FAILED, text);
    }
  }
}
