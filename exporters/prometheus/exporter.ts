// The `prometheus` exporter: consume() only folds the points into the
// accumulator (no I/O, no wait), and a scrape renders what is live.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComponentSettings, Exporter, Host } from '../../src/component/component.js';
import { countMetricPoints } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { MetricsData } from '../../src/pdata/types.js';
import { cleanNamespace } from '../../src/translator/prometheus/normalize-name.js';
import { Accumulator } from './accumulator.js';
import { type PrometheusConfig, withSuffixes } from './config.js';
import {
  constLabelPairs,
  OPENMETRICS_CONTENT_TYPE,
  renderExposition,
  TEXT_CONTENT_TYPE,
} from './exposition.js';
import { startMetricsServer } from './server.js';

export class PrometheusExporter implements Exporter {
  private readonly acc: Accumulator;
  private server?: Server;
  private readonly conflicts = new Set<string>();

  constructor(
    private readonly settings: ComponentSettings,
    private readonly cfg: PrometheusConfig,
  ) {
    this.acc = new Accumulator({
      namespace: cfg.namespace,
      addMetricSuffixes: withSuffixes(cfg),
      expirationMs: cfg.metric_expiration,
      rules: {
        resourceToTelemetry: cfg.resource_to_telemetry_conversion,
        scopeLabels: !cfg.without_scope_info,
        emptyScopeLabels: true,
        extraLabels: [],
      },
    });
  }

  /** The bound port (tests listen on port 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(_host?: Host): Promise<void> {
    const ns = cleanNamespace(this.cfg.namespace);
    const targetInfoName = ns ? `${ns}_target_info` : 'target_info';
    const constLabels = constLabelPairs(this.cfg.const_labels);
    this.server = await startMetricsServer(
      this.cfg.endpoint ?? 'localhost:0',
      this.cfg.tls,
      this.cfg.enable_open_metrics,
      (om) => ({
        contentType: om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE,
        body: renderExposition(this.acc.collect(), {
          openMetrics: om,
          sendTimestamps: this.cfg.send_timestamps,
          constLabels,
          targetInfoName,
          onConflict: (family, kept, dropped) => {
            if (this.conflicts.has(family)) return;
            this.conflicts.add(family);
            this.settings.logger.error(
              { instrument: family, existing: kept, dropped },
              `prometheus: instrument type conflict for "${family}": keeping ${kept}, dropping ${dropped} series`,
            );
          },
        }),
      }),
    );
    if (this.cfg.endpoint === undefined)
      this.settings.logger.warn(
        { port: this.port },
        'prometheus exporter has no endpoint: serving /metrics on localhost at a port the OS picked; set endpoint so Prometheus can scrape it',
      );
    else this.settings.logger.info({ endpoint: this.cfg.endpoint }, 'prometheus exporter serving /metrics');
  }

  async consume<S extends Signal>(signal: S, data: SignalDataMap[S]): Promise<void> {
    if (signal !== 'metrics') return;
    const md = data as MetricsData;
    const stored = this.acc.accumulate(md);
    const total = countMetricPoints(md);
    this.settings.metrics.exporter(this.settings.id).sent('metrics', total);
    if (stored < total)
      this.settings.logger.debug(
        { points: total, stored },
        'prometheus: some points were not stored (delta non-monotonic, stale or older than the kept value)',
      );
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
