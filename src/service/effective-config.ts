// The running config as a plain map in the collector's file layout, for the
// extensions that report it (opamp's effective config): each component as the
// user wrote it (after `${env:...}`; the map hot reload compares), and the
// service's extensions and pipelines. service::telemetry is left out: the
// service keeps only its parsed form.
import type { ServiceConfig } from '../config/validate.js';

export function effectiveConfigMap(cfg: ServiceConfig): Record<string, unknown> {
  const section = (entries: ReadonlyMap<string, { raw?: unknown }>) => {
    const out: Record<string, unknown> = {};
    for (const [id, e] of entries) out[id] = e.raw ?? null;
    return out;
  };
  const pipelines: Record<string, unknown> = {};
  for (const [id, p] of cfg.pipelines)
    pipelines[id] = {
      receivers: [...p.receivers],
      processors: [...p.processors],
      exporters: [...p.exporters],
    };
  const out: Record<string, unknown> = {};
  if (cfg.receivers.size) out.receivers = section(cfg.receivers);
  if (cfg.processors.size) out.processors = section(cfg.processors);
  if (cfg.exporters.size) out.exporters = section(cfg.exporters);
  if (cfg.connectors.size) out.connectors = section(cfg.connectors);
  if (cfg.extensions.size) out.extensions = section(cfg.extensions);
  out.service = { extensions: [...cfg.serviceExtensions], pipelines };
  return out;
}
