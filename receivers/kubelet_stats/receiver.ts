// Scrapes the kubelet every collection_interval (first after initial_delay),
// one scrape at a time: /stats/summary, plus /pods when
// extra_metadata_labels needs it, translated (translate.ts) and handed on.
// A failed scrape is logged and the next one runs on schedule.
import type { Component, ComponentSettings } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import type { AuthOptions } from '../../src/k8s/auth.js';
import type { KubeletStatsConfig } from './config.js';
import { KubeletClient } from './kubelet-client.js';
import { NOT_IMPLEMENTED } from './metrics.js';
import { podMetadata, type Summary, translate } from './translate.js';

export class KubeletStatsReceiver implements Component {
  private client: KubeletClient | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Scrapes done (successful or not). */
  scrapes = 0;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: KubeletStatsConfig,
    private readonly next: Consumer<'metrics'>,
    private readonly auth: AuthOptions = {},
  ) {}

  async start(): Promise<void> {
    const log = this.settings.logger;
    const missing = NOT_IMPLEMENTED.filter((m) => this.config.metrics[m]?.enabled);
    if (missing.length > 0)
      log.warn(
        { metrics: missing },
        'kubelet_stats: these enabled metrics are not implemented and are not emitted',
      );
    if (this.config.k8s_api_config)
      log.warn(
        'kubelet_stats: k8s_api_config is accepted but not used (no metadata is read from the API server)',
      );
    if (this.config.auth_type === 'kubeConfig' && !this.config.node)
      log.error(
        'kubelet_stats: auth_type kubeConfig needs `node` (the kubelet is reached through the API server proxy)',
      );
    this.loop = this.run();
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
    await this.sleep(this.config.initial_delay);
    while (!this.abort.signal.aborted) {
      const began = Date.now();
      await this.scrape();
      await this.sleep(Math.max(0, this.config.collection_interval - (Date.now() - began)));
    }
  }

  /** One scrape; errors are logged, never thrown. */
  async scrape(): Promise<void> {
    const signal = this.abort.signal;
    try {
      this.client ??= new KubeletClient(this.config, this.auth);
      const summary = await this.client.get<Summary>('/stats/summary', signal);
      const meta =
        this.config.extra_metadata_labels.length > 0
          ? podMetadata(await this.client.get<{ items?: unknown[] }>('/pods', signal))
          : undefined;
      const data = translate(summary, this.config, meta);
      if (data.resourceMetrics.length > 0) await this.next.consume(data);
    } catch (err) {
      if (!signal.aborted)
        this.settings.logger.error({ err: (err as Error).message }, 'kubelet_stats: scrape failed');
    } finally {
      this.scrapes++;
    }
  }

  async shutdown(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.client?.close();
  }
}
