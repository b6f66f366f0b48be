// The collector's process metrics under their otelcol names, next to
// prom-client's defaults (which already give otelcol_process_cpu_seconds_total).
// Node has no Go runtime: heap_alloc is the V8 heap in use, total_sys_memory
// the V8 heap reserved.
import { Counter, Gauge } from 'prom-client';
import type { SelfMetrics } from '../telemetry/self-metrics.js';

export function registerProcessMetrics(metrics: SelfMetrics): void {
  const registers = [metrics.registry];
  if (metrics.registry.getSingleMetric('otelcol_process_uptime_seconds_total')) return;
  const started = performance.now();
  new Counter({
    name: 'otelcol_process_uptime_seconds_total',
    help: 'Uptime of the process.',
    registers,
    collect() {
      this.reset();
      this.inc((performance.now() - started) / 1000);
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('otelcol_process_memory_rss_bytes', 'Total physical memory (resident set size).', () =>
    process.memoryUsage.rss(),
  );
  gauge(
    'otelcol_process_runtime_heap_alloc_bytes',
    'Bytes of allocated heap objects (V8 heap used).',
    () => process.memoryUsage().heapUsed,
  );
  gauge(
    'otelcol_process_runtime_total_sys_memory_bytes',
    'Total bytes of memory obtained from the OS (V8 heap total).',
    () => process.memoryUsage().heapTotal,
  );
}
