// Builds one scraper's metrics the way the collector's generated
// MetricsBuilder does: only enabled metrics, each with its declared
// instrument, unit and value type; cumulative sums start at `start` (boot
// time, or the process's start).
import { newScope, newScopeMetrics } from '../../../src/pdata/create.js';
import type { KeyValue, Metric, NumberDataPoint, ScopeMetrics } from '../../../src/pdata/types.js';
import { AggregationTemporality } from '../../../src/pdata/types.js';
import type { MetricDef } from '../metadata.js';

const SCOPE_PREFIX =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/';

export class MetricsBuilder {
  private readonly metrics = new Map<string, Metric>();

  constructor(
    private readonly defs: Record<string, MetricDef>,
    private readonly enabled: ReadonlySet<string>,
    private readonly nowNs: bigint,
  ) {}

  isEnabled(name: string): boolean {
    return this.enabled.has(name);
  }

  /** Records a point; `startNs` for sums (the collector's WithStartTime). */
  record(name: string, value: number, attrs: Record<string, string | number>, startNs = 0n): void {
    if (!this.enabled.has(name)) return;
    const def = this.defs[name];
    let m = this.metrics.get(name);
    if (!m) {
      m = { name, description: def.description, unit: def.unit, metadata: [] };
      if (def.kind === 'gauge') m.gauge = { dataPoints: [] };
      else
        m.sum = {
          dataPoints: [],
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          isMonotonic: def.monotonic ?? false,
        };
      this.metrics.set(name, m);
    }
    const attributes: KeyValue[] = Object.entries(attrs).map(([key, v]) => ({
      key,
      value: typeof v === 'number' ? { intValue: BigInt(Math.trunc(v)) } : { stringValue: v },
    }));
    const p: NumberDataPoint = {
      attributes,
      startTimeUnixNano: def.kind === 'sum' ? startNs : 0n,
      timeUnixNano: this.nowNs,
      exemplars: [],
      flags: 0,
    };
    if (def.value === 'int') p.asInt = BigInt(Math.trunc(Number.isFinite(value) ? value : 0));
    else p.asDouble = value;
    (m.gauge ?? m.sum)?.dataPoints.push(p);
  }

  /** The scraper's scope with what was recorded (sorted by name, like the collector's output). */
  emit(scraper: string, version: string): ScopeMetrics {
    const sm = newScopeMetrics(newScope(`${SCOPE_PREFIX}${scraper}scraper`, version));
    sm.metrics = [...this.metrics.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return sm;
  }
}

export const secondsToNs = (s: number): bigint => BigInt(Math.round(s * 1000)) * 1_000_000n;
