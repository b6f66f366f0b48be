// config/agent.yaml as shipped, moved into a temp directory for end-to-end tests:
// the same file_log receiver (include/exclude globs, start_at, operators,
// retry), the same file_storage checkpoints, tracelink and the exporter's
// persistent sending_queue. What changes, and why:
// - paths: /var/log/pods → <root>/var/log/pods (glob shape unchanged), storage → a temp dir;
// - k8s_attributes is removed (it needs a Kubernetes API server; tested on its own);
// - the exporter (otlp_http, as shipped) sends to a local sink instead of the gateway, with the
//   same compression and sending_queue, and a short retry backoff so a sink outage ends within
//   the test's time;
// - health_check listens on a free loopback port; self-metrics are off (no fixed port 8888).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export interface AgentConfigOptions {
  /** Stands in for `/`: files are tailed under `<root>/var/log/pods`. */
  root: string;
  storageDir: string;
  sinkHttpPort: number;
  healthPort: number;
  /** Also receive OTLP/HTTP on this port and forward traces (an app exporting its spans). */
  otlpHttpPort?: number;
}

type Yaml = any;

/** Reads the shipped agent config (the source tree's, so a stale dist copy cannot hide a change). */
export function shippedAgentConfig(): Yaml {
  // test/support → ../../config (vitest); dist/test/support → ../../../config (npm run torture)
  for (const url of ['../../config/agent.yaml', '../../../config/agent.yaml']) {
    try {
      return parse(readFileSync(fileURLToPath(new URL(url, import.meta.url)), 'utf8'));
    } catch {}
  }
  throw new Error('config/agent.yaml not found');
}

export function agentConfig(o: AgentConfigOptions): string {
  const c = shippedAgentConfig();
  const move = (g: string) => {
    if (!g.startsWith('/var/log/pods/')) throw new Error(`unexpected glob in config/agent.yaml: ${g}`);
    return o.root + g;
  };
  const fl = c.receivers.file_log;
  fl.include = fl.include.map(move);
  fl.exclude = (fl.exclude ?? []).map(move);
  c.extensions.file_storage.directory = o.storageDir;
  c.extensions.health_check.endpoint = `127.0.0.1:${o.healthPort}`;

  delete c.processors.k8s_attributes;
  const logs = c.service.pipelines.logs;
  logs.processors = logs.processors.filter((p: string) => p !== 'k8s_attributes');

  const shipped = c.exporters.otlp_http;
  c.exporters.otlp_http = {
    endpoint: `http://127.0.0.1:${o.sinkHttpPort}`,
    compression: shipped.compression,
    sending_queue: shipped.sending_queue,
    retry_on_failure: { initial_interval: '100ms', max_interval: '500ms', max_elapsed_time: 0 },
  };
  logs.exporters = ['otlp_http'];

  if (o.otlpHttpPort) {
    c.receivers.otlp = { protocols: { http: { endpoint: `127.0.0.1:${o.otlpHttpPort}` } } };
    c.service.pipelines.traces = { receivers: ['otlp'], exporters: ['otlp_http'] };
  }
  c.service.telemetry = { metrics: { level: 'none' } };
  return stringify(c);
}
