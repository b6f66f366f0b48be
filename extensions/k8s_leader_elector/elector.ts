// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does it (the collector's extension runs that):
// every retry_period (jittered ×1.2 while waiting) read the Lease; create it
// when absent; take it over when its holder let it expire (no renewal
// observed for lease_duration, by this process's clock); renew it while
// leading, every retry_period. Writes are PUTs with the read
// resourceVersion: a 409 Conflict means someone else wrote first. A leader
// that cannot renew for renew_deadline stops leading and competes again.
// Unlike the collector (client-go without ReleaseOnCancel), shutdown
// releases the Lease so another instance takes over at once.
import { randomUUID } from 'node:crypto';
import type { KubeClient } from '../../src/k8s/client.js';
import type { Logger } from '../../src/telemetry/logger.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec: LeaseSpec;
}

export interface ElectorTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaseElector {
  readonly identity = randomUUID();
  private leading = false;
  private observed: { spec: LeaseSpec; rv?: string; at: number } | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Lease writes that failed with 409 Conflict (someone else wrote first). */
  conflicts = 0;

  constructor(
    private readonly client: () => KubeClient,
    private readonly name: string,
    private readonly namespace: string,
    private readonly timing: ElectorTiming,
    private readonly logger: Logger,
    private readonly onStarted: () => void,
    private readonly onStopped: () => void,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops competing; a leader stops leading and releases the Lease. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      this.onStopped();
      await this.release().catch((err) =>
        this.logger.warn({ err: (err as Error).message }, 'k8s_leader_elector: releasing the lease failed'),
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }

  private async run(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.timing;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      // acquire
      while (!signal.aborted && !(await this.tryAcquireOrRenew()))
        await this.sleep(retryPeriodMs * (1 + 0.2 * Math.random()));
      if (signal.aborted) return;
      this.leading = true;
      this.logger.info({ lease: `${this.namespace}/${this.name}`, identity: this.identity }, 'became leader');
      this.onStarted();
      // renew
      let lastRenew = Date.now();
      while (!signal.aborted) {
        await this.sleep(retryPeriodMs);
        if (signal.aborted) return;
        if (await this.tryAcquireOrRenew()) lastRenew = Date.now();
        else if (Date.now() - lastRenew >= renewDeadlineMs) break;
      }
      if (signal.aborted) return;
      this.leading = false;
      this.logger.info(
        { lease: `${this.namespace}/${this.name}` },
        'Leader lease lost. Returning to standby mode...',
      );
      this.onStopped();
    }
  }

  /** One attempt: true when this process holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      return await this.attempt();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'k8s_leader_elector: lease request failed');
      return false;
    }
  }

  private async attempt(): Promise<boolean> {
    const client = this.client();
    const now = new Date();
    const durationSeconds = Math.max(1, Math.round(this.timing.leaseDurationMs / 1000));
    const got = await client.send<Lease>(
      'GET',
      `${this.path}/${encodeURIComponent(this.name)}`,
      undefined,
      this.abort.signal,
    );
    if (got.status === 404) {
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: {
          holderIdentity: this.identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      const created = await client.send<Lease>('POST', this.path, lease, this.abort.signal);
      if (created.status === 409) this.conflicts++;
      if (created.status !== 201 && created.status !== 200) return false;
      this.observe(created.body);
      return true;
    }
    if (got.status !== 200)
      throw new Error(`GET lease: HTTP ${got.status} ${JSON.stringify(got.body).slice(0, 200)}`);
    const current = got.body;
    const spec = current.spec ?? {};
    // a changed record restarts the expiry clock (client-go: observedTime)
    if (
      !this.observed ||
      this.observed.rv !== current.metadata.resourceVersion ||
      JSON.stringify(this.observed.spec) !== JSON.stringify(spec)
    )
      this.observe(current);
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.identity;
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && !mine && this.observed!.at + durationMs > Date.now()) return false;
    const next: Lease = {
      ...current,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: mine ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    const put = await client.send<Lease>(
      'PUT',
      `${this.path}/${encodeURIComponent(this.name)}`,
      next,
      this.abort.signal,
    );
    if (put.status === 409) {
      this.conflicts++;
      return false;
    }
    if (put.status !== 200)
      throw new Error(`PUT lease: HTTP ${put.status} ${JSON.stringify(put.body).slice(0, 200)}`);
    this.observe(put.body);
    return true;
  }

  private observe(lease: Lease): void {
    this.observed = { spec: lease.spec ?? {}, rv: lease.metadata?.resourceVersion, at: Date.now() };
  }

  /** client-go's release: empty holder, 1 s duration, so others need not wait. */
  private async release(): Promise<void> {
    const client = this.client();
    const got = await client.send<Lease>('GET', `${this.path}/${encodeURIComponent(this.name)}`);
    if (got.status !== 200 || got.body.spec?.holderIdentity !== this.identity) return;
    const now = microTime();
    await client.send('PUT', `${this.path}/${encodeURIComponent(this.name)}`, {
      ...got.body,
      spec: {
        ...got.body.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
      },
    });
  }
}
