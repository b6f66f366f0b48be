// Validation of a merged, expanded config against the registry. Every
// problem is collected (never stop at the first); unused components are
// warnings. The result is what the service builds its graph from.
import type {
  AnyFactory,
  ConnectorFactory,
  ExporterFactory,
  ExtensionFactory,
  ProcessorFactory,
  ReceiverFactory,
  Registry,
} from '../component/component.js';
import type { Signal } from '../pdata/signal.js';
import { checkAuthenticatorUses } from './auth-uses.js';
import type { ComponentEntry } from './component-entry.js';
import { parseComponentId, parsePipelineId } from './component-id.js';
import { checkConnectorUse } from './connectors.js';
import { forbiddenKeyIssues } from './forbidden-keys.js';
import { type ConfigIssue, didYouMean, joinPath } from './issues.js';
import { normalizeNulls } from './null-values.js';
import { isMap } from './sources.js';
import { resolveTelemetry, type TelemetryConfig, telemetrySchema } from './telemetry.js';
import { translateZodError } from './zod-issues.js';

export type { ComponentEntry } from './component-entry.js';

export interface PipelineConfig {
  id: string;
  signal: Signal;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface ServiceConfig {
  receivers: Map<string, ComponentEntry<ReceiverFactory>>;
  processors: Map<string, ComponentEntry<ProcessorFactory>>;
  exporters: Map<string, ComponentEntry<ExporterFactory>>;
  extensions: Map<string, ComponentEntry<ExtensionFactory>>;
  /** Connectors: IDs that pipelines list as exporters (their input) and receivers (their output). */
  connectors: Map<string, ComponentEntry<ConnectorFactory>>;
  pipelines: Map<string, PipelineConfig>;
  /** service.extensions, in order: the extensions that run. */
  serviceExtensions: string[];
  telemetry: TelemetryConfig;
}

export interface ValidationResult {
  /** Set only when there are no errors. */
  config?: ServiceConfig;
  errors: ConfigIssue[];
  warnings: string[];
}

export interface ValidateOptions {
  /** From expandEnv: values typed from `${env:X}` with their text, retried as strings if a string is expected. */
  typedFromEnv?: ReadonlyMap<string, string>;
}

const TOP_KEYS = ['receivers', 'processors', 'exporters', 'extensions', 'connectors', 'service'];
const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry'];
const PIPELINE_KEYS = ['receivers', 'processors', 'exporters'];

type Section = 'receivers' | 'processors' | 'exporters' | 'extensions' | 'connectors';
const KIND: Record<Section, string> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  extensions: 'extension',
  connectors: 'connector',
};

export function validateConfig(
  raw: unknown,
  registry: Registry,
  opts: ValidateOptions = {},
): ValidationResult {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const root = isMap(raw) ? raw : {};
  if (!isMap(raw) && raw != null) errors.push({ path: '', message: 'the config must be a YAML map' });
  // Sources refuse these already; a tree built another way is checked too, before anything reads it.
  const forbidden = forbiddenKeyIssues(root);
  if (forbidden.length) return { errors: forbidden, warnings };

  for (const k of Object.keys(root))
    if (!TOP_KEYS.includes(k))
      errors.push({ path: k, message: `unknown top-level key${didYouMean(k, TOP_KEYS)}` });

  const receivers = components(root, 'receivers', registry.receivers, errors, warnings, opts);
  const processors = components(root, 'processors', registry.processors, errors, warnings, opts);
  const exporters = components(root, 'exporters', registry.exporters, errors, warnings, opts);
  const extensions = components(root, 'extensions', registry.extensions, errors, warnings, opts);
  const connectors = components(root, 'connectors', registry.connectors, errors, warnings, opts);
  // A pipeline names receivers, exporters and connectors by ID alone: one ID, one meaning.
  for (const id of connectors.ids)
    for (const [other, kind] of [
      [receivers, 'a receiver'],
      [exporters, 'an exporter'],
    ] as const)
      if (other.ids.has(id))
        errors.push({
          path: joinPath('connectors', id),
          message: `ambiguous ID: "${id}" is both ${kind} and a connector; rename one (e.g. "${id}/connector")`,
        });

  const service = root.service ?? {};
  if (!isMap(service)) errors.push({ path: 'service', message: `expected map, got ${typeof service}` });
  const svc = isMap(service) ? service : {};
  for (const k of Object.keys(svc))
    if (!SERVICE_KEYS.includes(k))
      errors.push({ path: joinPath('service', k), message: `unknown key${didYouMean(k, SERVICE_KEYS)}` });

  // service.extensions
  const serviceExtensions = stringList(svc.extensions, 'service::extensions', errors);
  serviceExtensions.forEach((id, i) => {
    if (!extensions.ids.has(id))
      errors.push({
        path: joinPath('service', 'extensions', i),
        message: `references extension "${id}" which is not configured${didYouMean(id, extensions.ids)}`,
      });
  });
  if (new Set(serviceExtensions).size !== serviceExtensions.length)
    errors.push({ path: 'service::extensions', message: 'lists an extension more than once' });

  // service.pipelines
  const pipelines = new Map<string, PipelineConfig>();
  const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
  const rawPipelines = svc.pipelines;
  if (rawPipelines == null || (isMap(rawPipelines) && Object.keys(rawPipelines).length === 0))
    errors.push({ path: 'service::pipelines', message: 'at least one pipeline must be configured' });
  else if (!isMap(rawPipelines))
    errors.push({ path: 'service::pipelines', message: 'expected map of pipelines' });
  else
    for (const [pid, p] of Object.entries(rawPipelines)) {
      const base = joinPath('service', 'pipelines', pid);
      const parsed = parsePipelineId(pid);
      if (typeof parsed === 'string') {
        errors.push({ path: base, message: parsed });
        continue;
      }
      const pm = isMap(p) ? p : {};
      if (!isMap(p) && p != null)
        errors.push({ path: base, message: 'expected a map with receivers, processors, exporters' });
      for (const k of Object.keys(pm))
        if (!PIPELINE_KEYS.includes(k))
          errors.push({ path: joinPath(base, k), message: `unknown key${didYouMean(k, PIPELINE_KEYS)}` });
      const pipe: PipelineConfig = {
        id: pid,
        signal: parsed.signal,
        receivers: stringList(pm.receivers, joinPath(base, 'receivers'), errors),
        processors: stringList(pm.processors, joinPath(base, 'processors'), errors),
        exporters: stringList(pm.exporters, joinPath(base, 'exporters'), errors),
      };
      for (const k of ['receivers', 'exporters'] as const)
        if (pipe[k].length === 0)
          errors.push({ path: joinPath(base, k), message: `must have at least one ${KIND[k]}` });
      for (const k of ['receivers', 'processors', 'exporters'] as const) {
        const seen = new Set<string>();
        const defined = k === 'receivers' ? receivers : k === 'processors' ? processors : exporters;
        pipe[k].forEach((id, i) => {
          const path = joinPath(base, k, i);
          if (seen.has(id)) errors.push({ path, message: `references ${KIND[k]} "${id}" more than once` });
          seen.add(id);
          used[k].add(id);
          const entry = defined.entries.get(id);
          // Connectors are checked below, once every pipeline is known (connectors.ts).
          if (k !== 'processors' && connectors.ids.has(id) && !defined.ids.has(id)) return;
          if (!defined.ids.has(id)) {
            const hint =
              k === 'processors' && connectors.ids.has(id)
                ? ' (it is a connector: list it under exporters of one pipeline and receivers of another)'
                : didYouMean(id, k === 'processors' ? defined.ids : [...defined.ids, ...connectors.ids]);
            errors.push({ path, message: `references ${KIND[k]} "${id}" which is not configured${hint}` });
          } else if (entry && !entry.factory.signals.includes(pipe.signal))
            errors.push({
              path,
              message: `${KIND[k]} "${id}" does not support ${pipe.signal} (it supports ${entry.factory.signals.join(', ')})`,
            });
        });
      }
      pipelines.set(pid, pipe);
    }

  // An ambiguous ID (reported above) is taken for the receiver or exporter it also names.
  const usable = new Map(
    [...connectors.entries].filter(([id]) => !receivers.ids.has(id) && !exporters.ids.has(id)),
  );
  checkConnectorUse(pipelines, usable, errors, warnings);

  for (const k of ['receivers', 'processors', 'exporters'] as const) {
    const defined = k === 'receivers' ? receivers : k === 'processors' ? processors : exporters;
    for (const id of defined.ids)
      if (!used[k].has(id))
        warnings.push(`${k}::${id}: ${KIND[k]} is configured but not used in any pipeline`);
  }
  checkAuthenticatorUses(receivers.entries, exporters.entries, extensions, serviceExtensions, errors);

  for (const id of extensions.ids)
    if (!serviceExtensions.includes(id))
      warnings.push(`extensions::${id}: extension is configured but not listed in service::extensions`);

  // service.telemetry
  let telemetry: TelemetryConfig | undefined;
  const rawTel = svc.telemetry ?? {};
  const parsedTel = telemetrySchema.safeParse(normalizeNulls(telemetrySchema, rawTel));
  if (parsedTel.success) telemetry = resolveTelemetry(parsedTel.data, warnings);
  else errors.push(...translateZodError('service::telemetry', parsedTel.error, telemetrySchema, rawTel));
  if (errors.length || !telemetry) return { errors, warnings };
  return {
    errors,
    warnings,
    config: {
      receivers: receivers.entries,
      processors: processors.entries,
      exporters: exporters.entries,
      extensions: extensions.entries,
      connectors: connectors.entries,
      pipelines,
      serviceExtensions,
      telemetry,
    },
  };
}

function stringList(v: unknown, path: string, errors: ConfigIssue[]): string[] {
  if (v == null) return [];
  if (!Array.isArray(v)) {
    errors.push({ path, message: 'expected a list of component IDs' });
    return [];
  }
  const out: string[] = [];
  v.forEach((x, i) => {
    if (typeof x === 'string') out.push(x);
    else errors.push({ path: joinPath(path, i), message: `expected a component ID, got ${typeof x}` });
  });
  return out;
}

/** Parses one section (receivers, ...): IDs, type lookup (with deprecated aliases), each config by its schema. */
function components<F extends AnyFactory>(
  root: Record<string, unknown>,
  section: Section,
  factories: readonly F[],
  errors: ConfigIssue[],
  warnings: string[],
  opts: ValidateOptions,
): { ids: Set<string>; entries: Map<string, ComponentEntry<F>> } {
  const ids = new Set<string>();
  const entries = new Map<string, ComponentEntry<F>>();
  const raw = root[section];
  if (raw == null) return { ids, entries };
  if (!isMap(raw)) {
    errors.push({ path: section, message: `expected a map of ${section}` });
    return { ids, entries };
  }
  const byType = new Map<string, F>();
  for (const f of factories) byType.set(f.type, f);
  const aliases = new Map<string, F>();
  for (const f of factories) for (const a of f.deprecatedTypes ?? []) aliases.set(a, f);

  for (const [id, cfg] of Object.entries(raw)) {
    const path = joinPath(section, id);
    ids.add(id);
    const parsed = parseComponentId(id);
    if (typeof parsed === 'string') {
      errors.push({ path, message: parsed });
      continue;
    }
    let factory = byType.get(parsed.type);
    if (!factory) {
      factory = aliases.get(parsed.type);
      if (factory)
        warnings.push(`${path}: "${parsed.type}" alias is deprecated; use "${factory.type}" instead`);
    }
    if (!factory) {
      const known = [...byType.keys()].sort();
      errors.push({
        path,
        message: `unknown ${KIND[section]} type "${parsed.type}"${didYouMean(parsed.type, [...byType.keys(), ...aliases.keys()])}; known ${section}: ${known.length ? known.join(', ') : '(none)'}`,
      });
      continue;
    }
    const result = parseComponentConfig(factory, cfg, path, opts.typedFromEnv);
    if (result.ok) entries.set(id, { id, factory, config: result.config, raw: cfg });
    else errors.push(...result.issues);
  }
  return { ids, entries };
}

/**
 * Runs the factory's schema on the user's map (null = defaults; a null at any
 * key is what null-values.ts says it means). A value typed
 * from `${env:X}` (a number or boolean) where the schema wants a string is
 * retried as the variable's text, as the collector keeps the original string.
 */
export function parseComponentConfig(
  factory: AnyFactory,
  cfg: unknown,
  path: string,
  typedFromEnv?: ReadonlyMap<string, string>,
): { ok: true; config: unknown } | { ok: false; issues: ConfigIssue[] } {
  let input: unknown = normalizeNulls(factory.configSchema, cfg ?? {});
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = factory.configSchema.safeParse(input);
    if (r.success) return { ok: true, config: r.data };
    let patched = false;
    if (typedFromEnv?.size)
      for (const iss of r.error.issues) {
        if (iss.code !== 'invalid_type' || iss.expected !== 'string') continue;
        const text = typedFromEnv.get(joinPath(path, ...iss.path.map(String)));
        if (text === undefined) continue;
        input = setAt(input, iss.path, text);
        patched = true;
      }
    if (!patched) return { ok: false, issues: translateZodError(path, r.error, factory.configSchema, input) };
  }
  return { ok: false, issues: [{ path, message: 'config could not be parsed' }] };
}

function setAt(root: unknown, path: readonly PropertyKey[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}
