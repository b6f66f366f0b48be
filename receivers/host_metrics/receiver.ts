// The host_metrics receiver: every collection_interval (first after
// initial_delay) runs its scrapers and hands their metrics to the pipeline in
// one consume(), like the collector's scraper controller. A scraper that
// fails is logged and the others' metrics still go; a refusing pipeline is
// counted and logged, and the next collection happens on time.

import { version } from '../../src/cli/files.js';
import type { Component, ComponentSettings } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { countMetricPoints } from '../../src/pdata/count.js';
import type { MetricsData, ResourceMetrics } from '../../src/pdata/types.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import type { HostMetricsConfig, ScrapersConfig } from './config.js';
import { Procfs } from './proc/procfs.js';
import { secondsToNs } from './scrapers/builder.js';
import { ProcessScraper } from './scrapers/process.js';
import {
  CpuScraper,
  DiskScraper,
  FilesystemScraper,
  LoadScraper,
  MemoryScraper,
  NetworkScraper,
  PagingScraper,
  ProcessesScraper,
  SystemScraper,
} from './scrapers/system.js';
import type { Scraper } from './scrapers/types.js';

export function buildScrapers(config: HostMetricsConfig): [string, Scraper][] {
  const s: Partial<ScrapersConfig> = config.scrapers ?? {};
  const out: [string, Scraper][] = [];
  if (s.cpu) out.push(['cpu', new CpuScraper(s.cpu.metrics)]);
  if (s.disk) out.push(['disk', new DiskScraper(s.disk.metrics, s.disk.include, s.disk.exclude)]);
  if (s.load) out.push(['load', new LoadScraper(s.load.metrics, s.load.cpu_average)]);
  if (s.filesystem) {
    const f = s.filesystem;
    out.push([
      'filesystem',
      new FilesystemScraper(f.metrics, {
        includeDevices: f.include_devices,
        excludeDevices: f.exclude_devices,
        includeFsTypes: f.include_fs_types,
        excludeFsTypes: f.exclude_fs_types,
        includeMountPoints: f.include_mount_points,
        excludeMountPoints: f.exclude_mount_points,
        includeVirtual: f.include_virtual_filesystems,
      }),
    ]);
  }
  if (s.memory) out.push(['memory', new MemoryScraper(s.memory.metrics)]);
  if (s.network)
    out.push(['network', new NetworkScraper(s.network.metrics, s.network.include, s.network.exclude)]);
  if (s.paging) out.push(['paging', new PagingScraper(s.paging.metrics)]);
  if (s.processes) out.push(['processes', new ProcessesScraper(s.processes.metrics)]);
  if (s.system) out.push(['system', new SystemScraper(s.system.metrics)]);
  if (s.process) {
    const p = s.process;
    out.push([
      'process',
      new ProcessScraper(p.metrics, {
        include: p.include,
        exclude: p.exclude,
        muteAll: p.mute_process_all_errors,
        muteName: p.mute_process_name_error,
        muteExe: p.mute_process_exe_error,
        muteIo: p.mute_process_io_error,
        muteUser: p.mute_process_user_error,
        muteCgroup: p.mute_process_cgroup_error,
        resourceAttributes: p.resource_attributes,
      }),
    ]);
  }
  return out;
}

export class HostMetricsReceiver implements Component {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly proc: Procfs;
  private readonly scrapers: [string, Scraper][];
  private readonly metrics: ReceiverMetrics;
  /** Collections done (tests). */
  collections = 0;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: HostMetricsConfig,
    private readonly consumer: Consumer<'metrics'>,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.proc = new Procfs(config.root_path);
    this.scrapers = buildScrapers(config);
    this.metrics = settings.metrics.receiver(settings.id, '');
  }

  async start(): Promise<void> {
    if (this.platform !== 'linux')
      throw new Error(
        `host_metrics: only Linux is supported (it reads /proc and /sys); this host runs ${this.platform}`,
      );
    // fail the start if root_path does not hold a /proc
    await this.proc.stat();
    const interval = this.config.collection_interval;
    // a ticker: collections at a fixed cadence after the initial delay; a slow one skips ticks
    let nextAt = Date.now() + this.config.initial_delay;
    const tick = () => {
      this.running = this.collect().then(
        () => undefined,
        () => undefined,
      );
      void this.running.finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const now = Date.now();
        do nextAt += interval;
        while (nextAt <= now);
        this.timer = setTimeout(tick, nextAt - now);
      });
    };
    this.timer = setTimeout(tick, this.config.initial_delay);
  }

  /** One collection: every scraper, one consume(). */
  async collect(): Promise<MetricsData> {
    const { logger } = this.settings;
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    let bootNs = 0n;
    try {
      bootNs = secondsToNs((await this.proc.stat()).bootTimeSeconds);
    } catch (err) {
      logger.warn({ error: errorMessage(err) }, 'host_metrics: cannot read the boot time');
    }
    const ctx = { proc: this.proc, nowNs, bootNs, version: version(), logger };
    const resourceMetrics: ResourceMetrics[] = [];
    const timeoutMs = this.config.timeout;
    await Promise.all(
      this.scrapers.map(async ([name, s]) => {
        try {
          const work = s.scrape(ctx);
          const rms = timeoutMs > 0 ? await withTimeout(work, timeoutMs, name) : await work;
          resourceMetrics.push(...rms);
        } catch (err) {
          logger.error({ scraper: name, error: errorMessage(err) }, 'Error scraping metrics');
        }
      }),
    );
    // the scrapers' order, whatever order they finished in
    const order = new Map(this.scrapers.map(([n], i) => [n, i]));
    const scraperOf = (rm: ResourceMetrics) =>
      /scraper\/(\w+)scraper$/.exec(rm.scopeMetrics[0]?.scope.name ?? '')?.[1] ?? '';
    resourceMetrics.sort((a, b) => (order.get(scraperOf(a)) ?? 0) - (order.get(scraperOf(b)) ?? 0));
    const md: MetricsData = { resourceMetrics };
    this.collections++;
    const points = countMetricPoints(md);
    if (points === 0) return md;
    try {
      await this.consumer.consume(md);
      this.metrics.accepted('metrics', points);
    } catch (err) {
      this.metrics.refused('metrics', points);
      logger.warn({ data_points: points, error: errorMessage(err) }, 'The pipeline refused the host metrics');
    }
    return md;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} scraper timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
