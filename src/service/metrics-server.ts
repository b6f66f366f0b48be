// Serves the self metrics in Prometheus text format on GET /metrics (the
// collector's :8888 endpoint).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import { splitHostPort } from '../config/schema-types.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';

export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly metrics: SelfMetrics,
    private readonly address: string,
  ) {}

  async start(): Promise<void> {
    const { host, port } = splitHostPort(this.address);
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
        return;
      }
      this.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The bound port (useful with port 0). */
  port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async shutdown(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** `target_info` with the service.telemetry.resource attributes as labels (dots → underscores). */
export function registerTargetInfo(metrics: SelfMetrics, resource: Record<string, string>): void {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(resource)) labels[k.replace(/[^a-zA-Z0-9_]/g, '_')] = v;
  const names = Object.keys(labels);
  if (names.length === 0 || metrics.registry.getSingleMetric('target_info')) return;
  new Gauge({
    name: 'target_info',
    help: 'Target metadata',
    labelNames: names,
    registers: [metrics.registry],
  }).set(labels, 1);
}
