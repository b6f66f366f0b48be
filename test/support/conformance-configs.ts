// The collector configs of ../shared/conformance/collector-configs as
// Tsunagi configs: full deployment configs (a plain file, a ConfigMap's data
// entry, an OpenTelemetryCollector CR's spec.config) and per-component
// fixtures wrapped into a runnable config (the component in pipelines of
// `nop` receivers/exporters), each validated with the real registry.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../app/registry.js';
import { expandEnv } from '../../src/config/expand.js';
import { formatIssue } from '../../src/config/issues.js';
import { validateConfig } from '../../src/config/validate.js';
import { parseConfigYaml, YAML_OPTIONS } from '../../src/config/yaml.js';

/** YAML as Tsunagi's loader reads a config source (go-yaml scalars, duplicate keys refused). */
const parseYaml = (text: string, what: string) => parseConfigYaml(text, what) as any;

import { CONFORMANCE_DIR } from './conformance-dir.js';

export const CONFIGS_DIR = `${CONFORMANCE_DIR}collector-configs/`;

/** Values for the ${env:...} references the configs make (a pod's downward-API variables). */
export const CONFORMANCE_ENV: Record<string, string> = {
  MY_POD_IP: '127.0.0.1',
  OTEL_K8S_NAMESPACE: 'observability',
  OTEL_K8S_NODE_IP: '127.0.0.1',
  OTEL_K8S_NODE_NAME: 'node-1',
  OTEL_K8S_POD_IP: '127.0.0.1',
  OTEL_K8S_POD_NAME: 'collector-0',
  DEPLOYMENT_ENV: 'test',
  VAR: 'value',
};

type Section = 'receivers' | 'processors' | 'exporters' | 'extensions';
type Signal = 'traces' | 'metrics' | 'logs';

/** Per-component fixtures: the component's kind and signals (its metadata.yaml), and the ID of a bare config. */
export const FIXTURES: Record<string, { section: Section; signals: Signal[]; bareId?: string }> = {
  'otlpreceiver.yaml': { section: 'receivers', signals: ['traces', 'metrics', 'logs'], bareId: 'otlp' },
  'jaegerreceiver.yaml': { section: 'receivers', signals: ['traces'] },
  'filelogreceiver.yaml': { section: 'receivers', signals: ['logs'] },
  'syslogreceiver.yaml': { section: 'receivers', signals: ['logs'] },
  'batchprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'], bareId: 'batch' },
  'memorylimiterprocessor.yaml': {
    section: 'processors',
    signals: ['traces', 'metrics', 'logs'],
    bareId: 'memory_limiter',
  },
  'attributesprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'] },
  'resourceprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'] },
  'k8sattributesprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'] },
  'filterprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'] },
  'transformprocessor.yaml': { section: 'processors', signals: ['traces', 'metrics', 'logs'] },
  'tailsamplingprocessor.yaml': { section: 'processors', signals: ['traces'] },
  'otlpexporter.yaml': { section: 'exporters', signals: ['traces', 'metrics', 'logs'], bareId: 'otlp_grpc' },
  'otlphttpexporter.yaml': {
    section: 'exporters',
    signals: ['traces', 'metrics', 'logs'],
    bareId: 'otlp_http',
  },
  'debugexporter.yaml': { section: 'exporters', signals: ['traces', 'metrics', 'logs'], bareId: 'debug' },
  'lokiexporter.yaml': { section: 'exporters', signals: ['logs'] },
  'elasticsearchexporter.yaml': { section: 'exporters', signals: ['traces', 'metrics', 'logs'] },
  'prometheusexporter.yaml': { section: 'exporters', signals: ['metrics'] },
  'prometheusremotewriteexporter.yaml': { section: 'exporters', signals: ['metrics'] },
  'filestorage.yaml': { section: 'extensions', signals: [] },
  'healthcheckextension.yaml': { section: 'extensions', signals: [] },
};

/**
 * The signals a fixture entry can run in: an include/exclude matcher with span keys
 * (services, span_names, span_kinds) matches spans only, one with log keys log records only,
 * as the collector's filterconfig refuses them elsewhere at start.
 */
export function entrySignals(cfg: unknown, signals: Signal[]): Signal[] {
  const matchers = ['include', 'exclude'].map((k) => (cfg as any)?.[k]).filter(Boolean);
  const keys = matchers.flatMap((m) => Object.keys(m));
  if (keys.some((k) => ['services', 'span_names', 'span_kinds'].includes(k))) return ['traces'];
  if (keys.some((k) => k.startsWith('log_'))) return ['logs'];
  if (keys.includes('metric_names')) return ['metrics'];
  return signals;
}

/** Every .yaml under collector-configs/, relative paths. */
export function configFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(relative(CONFIGS_DIR, p));
    }
  };
  walk(CONFIGS_DIR);
  return out;
}

/** The collector configs inside a full/ file: the whole file, each ConfigMap data entry, a CR's spec.config. */
export function fullConfigsIn(rel: string): { name: string; config: Record<string, unknown> }[] {
  const out: { name: string; config: Record<string, unknown> }[] = [];
  for (const doc of parseAllDocuments(readFileSync(join(CONFIGS_DIR, rel), 'utf8'), YAML_OPTIONS)) {
    const d = doc.toJS() as any;
    if (!d) continue;
    if (d.kind === 'ConfigMap')
      for (const [k, v] of Object.entries(d.data ?? {}))
        out.push({
          name: `ConfigMap ${d.metadata?.name} ${k}`,
          config: parseYaml(v as string, `${rel} ${k}`),
        });
    else if (d.kind === 'OpenTelemetryCollector')
      out.push({ name: `OpenTelemetryCollector ${d.metadata?.name}`, config: d.spec.config });
    else if (!d.kind) out.push({ name: 'config', config: d });
  }
  return out;
}

/** The fixture's entries: ID → config (a bare core fixture is one entry under its type). */
export function fixtureEntries(rel: string): [string, unknown][] {
  const meta = FIXTURES[rel];
  const doc = parseYaml(readFileSync(join(CONFIGS_DIR, rel), 'utf8'), rel) as Record<string, unknown>;
  return meta.bareId ? [[meta.bareId, doc]] : Object.entries(doc);
}

/** A runnable config around fixture entries: the components in pipelines of nop receivers/exporters. */
export function wrapFixture(rel: string, entries: [string, unknown][]): Record<string, unknown> {
  const { section, signals } = FIXTURES[rel];
  const ids = entries.map(([id]) => id);
  const cfg: any = {
    receivers: { nop: null },
    exporters: { nop: null },
    service: { pipelines: {} as Record<string, unknown> },
  };
  cfg[section] = { ...(cfg[section] ?? {}), ...Object.fromEntries(entries) };
  if (section === 'extensions') {
    cfg.service.extensions = ids;
    cfg.service.pipelines.traces = { receivers: ['nop'], exporters: ['nop'] };
  }
  for (const signal of signals) {
    const here = entries.filter(([, c]) => entrySignals(c, signals).includes(signal)).map(([id]) => id);
    if (here.length === 0) continue;
    const p: Record<string, string[]> = { receivers: ['nop'], exporters: ['nop'] };
    if (section === 'receivers') p.receivers = here;
    if (section === 'processors') p.processors = here;
    if (section === 'exporters') p.exporters = here;
    cfg.service.pipelines[signal] = p;
  }
  return cfg;
}

/** Validation errors of a config (after ${env:} expansion), one `path: message` line each. */
export function errorsOf(config: unknown): string[] {
  const x = expandEnv(config, CONFORMANCE_ENV);
  const r = validateConfig(x.value, registry, { typedFromEnv: x.typedFromEnv });
  return [...x.issues, ...r.errors].map(formatIssue);
}

/**
 * An error that only says a component type (or a connector) is not built
 * yet. The list of known types at the end changes as components land, so it
 * is cut off.
 */
export function missingComponent(line: string): boolean {
  return (
    /: unknown (receiver|processor|exporter|extension|connector) type "[^"]+"/.test(line) ||
    /^connectors: connectors are not supported yet/.test(line) ||
    /\(it is a connector; connectors are not supported yet\)$/.test(line)
  );
}

/** An error line without the changing "; known receivers: ..." tail. */
export function stable(line: string): string {
  return line.replace(/; known (receivers|processors|exporters|extensions|connectors): .*$/, '');
}
