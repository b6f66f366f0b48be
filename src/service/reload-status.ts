// What the service tells about its config: which generation runs and how the
// last reload went. Read by the status page (through ExtensionServices) and
// exported as own metrics:
//   otelcol_tsunagi_config_generation              1 for the config started with, +1 per applied reload
//   otelcol_tsunagi_config_last_reload_success     1 if the last reload applied without error, else 0
//   otelcol_tsunagi_config_last_reload_timestamp_seconds
//   otelcol_tsunagi_config_reloads_total{outcome="applied|refused"}
import { Counter, Gauge } from 'prom-client';
import type { SelfMetrics } from '../telemetry/self-metrics.js';

export interface LastReload {
  /** When the reload finished (epoch ms). */
  at: number;
  /** True when the new config was applied whole, with no error. */
  ok: boolean;
  /** True when the new config (or its valid part: fragments refused alone) runs now. */
  applied: boolean;
  /** Every problem, one line each (`path: message`, fragment errors prefixed with their file). */
  errors: string[];
}

export interface ReloadStatus {
  configGeneration: number;
  lastReload?: LastReload;
}

const sources = new WeakMap<SelfMetrics, () => ReloadStatus>();

/** Exports `status()` as the metrics above (the latest service registered on `metrics` wins). */
export function registerReloadMetrics(metrics: SelfMetrics, status: () => ReloadStatus): void {
  sources.set(metrics, status);
  const reg = metrics.registry;
  if (reg.getSingleMetric('otelcol_tsunagi_config_generation')) return;
  const read = () => sources.get(metrics)?.();
  new Gauge({
    name: 'otelcol_tsunagi_config_generation',
    help: 'Generation of the running config: 1 at start, +1 per applied reload.',
    registers: [reg],
    collect() {
      this.set(read()?.configGeneration ?? 0);
    },
  });
  new Gauge({
    name: 'otelcol_tsunagi_config_last_reload_success',
    help: '1 if the last config reload applied without error, 0 if it was refused or had errors.',
    registers: [reg],
    collect() {
      const last = read()?.lastReload;
      this.reset();
      if (last) this.set(last.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'otelcol_tsunagi_config_last_reload_timestamp_seconds',
    help: 'When the last config reload finished (Unix seconds).',
    registers: [reg],
    collect() {
      const last = read()?.lastReload;
      this.reset();
      if (last) this.set(last.at / 1000);
    },
  });
}

/** Counts one reload by outcome. */
export function countReload(metrics: SelfMetrics, outcome: 'applied' | 'refused'): void {
  const reg = metrics.registry;
  const name = 'otelcol_tsunagi_config_reloads_total';
  const c =
    (reg.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({
      name,
      help: 'Config reloads by outcome: applied (the new config runs) or refused (the old one keeps running).',
      labelNames: ['outcome'],
      registers: [reg],
    });
  c.inc({ outcome });
}
