// One scrape config's targets (Prometheus scrape/scrape.go scrapePool):
// merges what its discoverers report, turns each discovered target into a
// scrape target (relabel_configs), keeps one loop per distinct target,
// starts loops for new targets and stops those that went away (their series
// get end-of-run staleness markers).
import type { Logger } from '../../../src/telemetry/logger.js';
import type { Discoverer, TargetGroup } from '../discovery/types.js';
import type { ScrapeConfig } from '../promconfig/schema.js';
import type { ScrapeHttpClient } from './http-client.js';
import { type LoopContext, ScrapeLoop } from './loop.js';
import { populateLabels, type Target } from './target.js';

export interface TargetStatus {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapeUrl: string;
  lastError: string | undefined;
  scrapes: number;
}

export class ScrapePool {
  private readonly groups = new Map<number, TargetGroup[]>();
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly stopping = new Map<ScrapeLoop, Promise<void>>();
  private dropped: Map<string, string>[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private limitError: string | undefined;
  /** Resolves after the first sync (all discoverers reported once). */
  synced: Promise<void>;
  private markSynced!: () => void;

  constructor(
    readonly cfg: ScrapeConfig,
    private readonly discoverers: Discoverer[],
    private readonly client: ScrapeHttpClient,
    private readonly loopContext: Omit<LoopContext, 'cfg' | 'client' | 'forcedError'>,
    private readonly logger: Logger,
  ) {
    this.synced = new Promise((r) => {
      this.markSynced = r;
    });
  }

  async start(): Promise<void> {
    await this.client.start();
    await Promise.all(
      this.discoverers.map((d, i) =>
        d.start((groups) => {
          this.groups.set(i, groups);
          this.scheduleSync();
        }),
      ),
    );
    this.sync();
  }

  private scheduleSync(): void {
    if (this.syncTimer || this.stopped) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      this.sync();
    }, 20);
  }

  /** Reconciles loops with the discovered targets. */
  sync(): void {
    if (this.stopped) return;
    const targets = new Map<string, Target>();
    const dropped: Map<string, string>[] = [];
    for (const groups of this.groups.values())
      for (const g of groups)
        for (const t of g.targets) {
          const lset = new Map(g.labels);
          for (const [k, v] of t) lset.set(k, v);
          const r = populateLabels(lset, this.cfg);
          if (r.kind === 'target') {
            if (!targets.has(r.target.key)) targets.set(r.target.key, r.target);
          } else {
            dropped.push(r.discovered);
            if (r.kind === 'error')
              this.logger.warn(
                { scrape_pool: this.cfg.jobName, error: r.error, target: r.discovered.get('__address__') },
                'Creating target failed',
              );
          }
        }
    this.dropped = dropped;
    const limit = this.cfg.targetLimit;
    this.limitError =
      limit > 0 && targets.size > limit
        ? `target_limit exceeded (number of targets: ${targets.size}, limit: ${limit})`
        : undefined;
    if (this.limitError) this.logger.error({ scrape_pool: this.cfg.jobName }, this.limitError);
    for (const [key, loop] of this.loops)
      if (!targets.has(key)) {
        this.loops.delete(key);
        const p = loop
          .stop(true)
          .catch((err) =>
            this.logger.error({ error: (err as Error).message }, 'stopping a scrape loop failed'),
          )
          .finally(() => this.stopping.delete(loop));
        this.stopping.set(loop, p);
      }
    for (const [key, target] of targets)
      if (!this.loops.has(key)) {
        const loop = new ScrapeLoop(target, {
          ...this.loopContext,
          cfg: this.cfg,
          client: this.client,
          forcedError: () => this.limitError,
        });
        this.loops.set(key, loop);
        loop.start();
      }
    this.markSynced();
  }

  /** Active targets, as Prometheus's /api/v1/targets shows them (tests, debugging). */
  activeTargets(): TargetStatus[] {
    return [...this.loops.values()].map((l) => ({
      discoveredLabels: Object.fromEntries(l.target.discovered),
      labels: Object.fromEntries(l.target.labels),
      scrapeUrl: l.target.url,
      lastError: l.lastError,
      scrapes: l.scrapes,
    }));
  }

  droppedTargets(): Record<string, string>[] {
    return this.dropped.map((d) => Object.fromEntries(d));
  }

  /** The loops (tests). */
  get scrapeLoops(): ScrapeLoop[] {
    return [...this.loops.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    await Promise.all(this.discoverers.map((d) => d.stop()));
    const loops = [...this.loops.values()];
    this.loops.clear();
    for (const l of loops) l.cancel();
    await Promise.all(loops.map((l) => l.stop(false)));
    // targets that went away: no end-of-run markers at shutdown (as Prometheus)
    for (const l of this.stopping.keys()) l.cancel();
    await Promise.all(this.stopping.values());
    await this.client.close();
  }
}
