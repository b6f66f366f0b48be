// The `prometheus` receiver: one scrape pool per scrape config, each fed by
// its discoverers; every scrape of every target becomes one consume() of
// OTLP metrics.
import { hostname } from 'node:os';
import { version } from '../../src/cli/files.js';
import type { Component, ComponentSettings } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { goRegExp } from '../../src/regexp/go.js';
import type { PrometheusReceiverConfig } from './config.js';
import { FileDiscoverer } from './discovery/file.js';
import { KubernetesDiscoverer } from './discovery/kubernetes/discoverer.js';
import { StaticDiscoverer } from './discovery/static.js';
import type { Discoverer } from './discovery/types.js';
import type { ScrapeConfig } from './promconfig/schema.js';
import { ScrapeHttpClient } from './scrape/http-client.js';
import { fnv1a } from './scrape/offset.js';
import { ScrapePool } from './scrape/pool.js';
import type { BuildOptions } from './translate/to-otlp.js';

/** The collector's gc interval: 2 minutes, or the longest scrape interval plus a minute. */
function gcIntervalMs(configs: ScrapeConfig[]): number {
  let gc = 120_000;
  for (const c of configs) gc = Math.max(gc, c.intervalMs + 60_000);
  return gc;
}

export class PrometheusReceiver implements Component {
  readonly pools: ScrapePool[] = [];

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: PrometheusReceiverConfig,
    private readonly consumer: Consumer<'metrics'>,
  ) {}

  async start(): Promise<void> {
    const { logger } = this.settings;
    const prom = this.config.config;
    if (!prom) throw new Error('no Prometheus scrape_configs');
    if (this.config.use_start_time_metric)
      logger.warn(
        'use_start_time_metric is deprecated in the collector (v0.142) in favour of the metricstarttime processor',
      );
    const build: BuildOptions = {
      trimSuffixes: this.config.trim_metric_suffixes,
      scopeVersion: version(),
      startTime: this.config.use_start_time_metric
        ? {
            kind: 'start_time_metric',
            regex: this.config.start_time_metric_regex
              ? goRegExp(this.config.start_time_metric_regex, 's')
              : undefined,
          }
        : { kind: 'initial_point' },
    };
    const external = Object.entries(prom.externalLabels).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const seed = fnv1a(`${hostname()}${JSON.stringify(external)}`);
    const gcMs = gcIntervalMs(prom.scrapeConfigs);
    const metrics = this.settings.metrics.receiver(this.settings.id, 'http');
    for (const cfg of prom.scrapeConfigs) {
      const scrape = {
        ...cfg,
        extraScrapeMetrics: cfg.extraScrapeMetrics || this.config.report_extra_scrape_metrics,
      };
      const discoverers: Discoverer[] = [];
      if (scrape.staticConfigs.length) discoverers.push(new StaticDiscoverer(scrape.staticConfigs));
      for (const f of scrape.fileSd) discoverers.push(new FileDiscoverer(f, logger));
      for (const k of scrape.kubernetesSd) discoverers.push(new KubernetesDiscoverer(k, logger));
      const pool = new ScrapePool(
        scrape,
        discoverers,
        new ScrapeHttpClient(scrape.http, scrape.enableCompression, scrape.bodySizeLimit),
        {
          consumer: this.consumer,
          logger: logger.child({ scrape_pool: scrape.jobName }),
          metrics,
          build,
          offsetSeed: seed,
          series: {
            honorLabels: scrape.honorLabels,
            honorTimestamps: scrape.honorTimestamps,
            trackTimestampsStaleness: scrape.trackTimestampsStaleness,
            metricRelabel: scrape.metricRelabel,
            sampleLimit: scrape.sampleLimit,
            labelLimit: scrape.labelLimit,
            labelNameLengthLimit: scrape.labelNameLengthLimit,
            labelValueLengthLimit: scrape.labelValueLengthLimit,
            externalLabels: external,
            gcMs,
          },
        },
        logger,
      );
      this.pools.push(pool);
    }
    try {
      await Promise.all(this.pools.map((p) => p.start()));
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.stop()));
  }
}
