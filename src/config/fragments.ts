// Per-team config fragments (`--config-dir DIR`, or `fragments.dir` in the base
// config): the platform's base config plus one file per team. Rules (docs/operating.md):
//
// - The base config says what teams may use, in a top-level `fragments` map
//   (Tsunagi's own key, removed before the collector-format validation):
//     fragments:
//       dir: /etc/tsunagi/teams        # optional; --config-dir wins
//       receivers: [otlp]              # receivers a team pipeline may list
//       processors: [memory_limiter]   # base processors a team pipeline may list
//       exporters: [otlp/backend]      # exporters a team pipeline may list
//       allow_exporters: false         # may a team define exporters of its own?
// - A fragment file is named `<team>.yaml` (or `.yml`); files starting with `.`
//   (a ConfigMap's `..data`) are skipped. It may hold `processors`, `connectors`,
//   `exporters` (only with allow_exporters) and `service.pipelines`; anything
//   else (receivers, extensions, telemetry) is refused.
// - Everything a fragment defines is namespaced by its team: `batch` becomes
//   `batch/<team>`, `attributes/tag` becomes `attributes/<team>/tag`, pipeline
//   `logs/x` becomes `logs/<team>/x`; references inside the fragment's pipelines
//   (and a connector's `pipelines` / `default_pipelines` lists) follow.
//   Teams cannot collide with each other or with the base.
// - A pipeline may list only the fragment's own components and what the base
//   exposes; an ID that is both is refused as ambiguous.
// - `${...}` is refused in fragments: a team must not read the platform's environment.
// - Each fragment is checked alone against the base plus the fragments before it
//   (in file name order). A broken one is refused with its file name and the
//   others run; on a reload, a fragment that became broken keeps its last good
//   version running when that still fits the new base.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { Registry } from '../component/component.js';
import { parseComponentId, parsePipelineId } from './component-id.js';
import { expandEnv } from './expand.js';
import { ConfigError, type ConfigIssue, formatIssue, joinPath } from './issues.js';
import { normalizeNulls } from './null-values.js';
import { deepMerge, isMap, loadSources, readSource } from './sources.js';
import { type ValidationResult, validateConfig } from './validate.js';
import { translateZodError } from './zod-issues.js';

type Map_ = Record<string, unknown>;

const idList = z.array(z.string()).default([]);
export const fragmentsSchema = z.strictObject({
  dir: z.string().optional(),
  receivers: idList,
  processors: idList,
  exporters: idList,
  allow_exporters: z.boolean().default(false),
});
export type FragmentsConfig = z.infer<typeof fragmentsSchema>;

export interface FragmentOutcome {
  /** The file name within the directory. */
  file: string;
  team: string;
  /** 'ok': runs as written; 'kept': broken now, its last good version runs; 'refused': not running. */
  status: 'ok' | 'kept' | 'refused';
  issues: ConfigIssue[];
}

export interface ConfigSetResult extends ValidationResult {
  /** One per fragment file, in the order they were applied. */
  fragments: FragmentOutcome[];
  /** The fragment directory in use, if any. */
  dir?: string;
  /** Namespaced fragments that were accepted, by file (to keep on a later reload). */
  accepted: Map<string, Map_>;
}

export interface ConfigSetOptions {
  /** --config-dir; overrides `fragments.dir` of the base. */
  dir?: string;
  /** What the previous load accepted (a reload keeps a fragment that became broken). */
  previous?: ReadonlyMap<string, Map_>;
}

const TEAM_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Every fragment problem as one line with its file name. */
export function fragmentErrors(fragments: readonly FragmentOutcome[]): string[] {
  return fragments.flatMap((f) =>
    f.issues.map(
      (i) =>
        `${f.file}: ${formatIssue(i)}${f.status === 'kept' ? ' (its previous version keeps running)' : f.status === 'refused' ? ' (fragment refused)' : ''}`,
    ),
  );
}

/**
 * Loads the base config (`uris`, merged as `--config` values) and the team
 * fragments. Base errors make the whole set invalid (`config` unset);
 * fragment errors only drop their fragment.
 */
export function loadConfigSet(
  uris: readonly string[],
  registry: Registry,
  env: NodeJS.ProcessEnv = process.env,
  opts: ConfigSetOptions = {},
): ConfigSetResult {
  const empty = { fragments: [], accepted: new Map<string, Map_>() };
  let raw: Map_;
  try {
    raw = loadSources(uris, env);
  } catch (e) {
    if (e instanceof ConfigError) return { errors: e.issues, warnings: [], ...empty };
    throw e;
  }
  const { fragments: rawFragments, ...rest } = raw;
  const expanded = expandEnv(rest, env);
  const base = validateConfig(expanded.value, registry, { typedFromEnv: expanded.typedFromEnv });
  const errors = [...expanded.issues, ...base.errors];
  const warnings = [...expanded.warnings, ...base.warnings];

  let rules: FragmentsConfig | undefined;
  if (rawFragments !== undefined) {
    const fx = expandEnv(rawFragments, env);
    errors.push(...fx.issues.map((i) => ({ ...i, path: joinPath('fragments', i.path) })));
    const input = normalizeNulls(fragmentsSchema, fx.value ?? {});
    const parsed = fragmentsSchema.safeParse(input);
    if (parsed.success) rules = parsed.data;
    else errors.push(...translateZodError('fragments', parsed.error, fragmentsSchema, input));
  }
  const dir = opts.dir ?? rules?.dir;
  if (rules && base.config) {
    const exposed: [
      keyof FragmentsConfig & ('receivers' | 'processors' | 'exporters'),
      Map<string, unknown>,
    ][] = [
      ['receivers', base.config.receivers],
      ['processors', base.config.processors],
      ['exporters', base.config.exporters],
    ];
    for (const [section, defined] of exposed)
      rules[section].forEach((id, i) => {
        if (!defined.has(id))
          errors.push({
            path: joinPath('fragments', section, i),
            message: `exposes ${section.slice(0, -1)} "${id}" which the base config does not define`,
          });
      });
  }
  if (errors.length || !base.config) return { errors, warnings, dir, ...empty };
  if (dir === undefined) return { errors, warnings, config: base.config, ...empty };

  const result: ConfigSetResult = {
    errors,
    warnings,
    config: base.config,
    fragments: [],
    dir,
    accepted: new Map(),
  };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => !f.startsWith('.') && /\.ya?ml$/.test(f))
      .sort();
  } catch (e) {
    return {
      errors: [{ path: '', message: `cannot read the fragment directory "${dir}": ${(e as Error).message}` }],
      warnings,
      ...empty,
      dir,
    };
  }
  const ruleSet = rules ?? fragmentsSchema.parse({});
  let merged: Map_ = expanded.value as Map_;
  const typedFromEnv = expanded.typedFromEnv;
  for (const file of files) {
    const team = basename(file).replace(/\.ya?ml$/, '');
    const outcome: FragmentOutcome = { file, team, status: 'ok', issues: [] };
    result.fragments.push(outcome);
    const attempt = (fragment: Map_): ConfigIssue[] => {
      const candidate = deepMerge(merged, fragment);
      const v = validateConfig(candidate, registry, { typedFromEnv });
      if (v.errors.length || !v.config) return v.errors;
      merged = candidate;
      result.config = v.config;
      result.warnings = [...warnings, ...v.warnings];
      result.accepted.set(file, fragment);
      return [];
    };
    const ns = namespaceFragment(join(dir, file), team, ruleSet, env);
    const issues = 'issues' in ns ? ns.issues : attempt(ns.fragment);
    if (issues.length === 0) continue;
    outcome.issues = issues;
    outcome.status = 'refused';
    const last = opts.previous?.get(file);
    if (last && attempt(last).length === 0) outcome.status = 'kept';
  }
  return result;
}

/** Reads one fragment, checks it against the rules, and returns it namespaced by its team. */
export function namespaceFragment(
  path: string,
  team: string,
  rules: FragmentsConfig,
  env: NodeJS.ProcessEnv = process.env,
): { fragment: Map_ } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  if (!TEAM_RE.test(team))
    return {
      issues: [
        {
          path: '',
          message: `"${team}" is not a team name: use letters, digits, '_', '-', '.' (from the file name)`,
        },
      ],
    };
  let doc: Map_;
  try {
    doc = readSource(path, env);
  } catch (e) {
    if (e instanceof ConfigError) return { issues: e.issues };
    throw e;
  }
  checkNoEnv(doc, [], issues);
  const allowed = ['processors', 'connectors', 'service', ...(rules.allow_exporters ? ['exporters'] : [])];
  for (const k of Object.keys(doc))
    if (!allowed.includes(k))
      issues.push({
        path: k,
        message:
          k === 'exporters'
            ? 'a fragment may not define exporters (the base config does not set fragments::allow_exporters); use the exposed ones'
            : k === 'receivers' || k === 'extensions'
              ? `a fragment may not define ${k}; the base config exposes what teams may use`
              : `not allowed in a fragment (allowed: ${allowed.join(', ')})`,
      });
  const service = doc.service ?? {};
  if (!isMap(service)) issues.push({ path: 'service', message: 'expected a map with pipelines' });
  else
    for (const k of Object.keys(service))
      if (k !== 'pipelines')
        issues.push({
          path: joinPath('service', k),
          message: 'a fragment may only define service::pipelines',
        });
  if (issues.length) return { issues };

  const rename = (id: string): string | undefined => {
    const p = parseComponentId(id);
    if (typeof p === 'string') return undefined;
    return p.name === undefined ? `${p.type}/${team}` : `${p.type}/${team}/${p.name}`;
  };
  const out: Map_ = {};
  const own: Record<'processors' | 'connectors' | 'exporters', Map<string, string>> = {
    processors: new Map(),
    connectors: new Map(),
    exporters: new Map(),
  };
  const rawPipelines = isMap(service) && isMap(service.pipelines) ? service.pipelines : {};
  if (isMap(service) && service.pipelines != null && !isMap(service.pipelines))
    issues.push({ path: 'service::pipelines', message: 'expected a map of pipelines' });
  const pipelineIds = new Map<string, string>();
  for (const pid of Object.keys(rawPipelines)) {
    const p = parsePipelineId(pid);
    if (typeof p === 'string') issues.push({ path: joinPath('service', 'pipelines', pid), message: p });
    else pipelineIds.set(pid, p.name === undefined ? `${p.signal}/${team}` : `${p.signal}/${team}/${p.name}`);
  }
  for (const section of ['processors', 'connectors', 'exporters'] as const) {
    const defs = doc[section];
    if (defs == null) continue;
    if (!isMap(defs)) {
      issues.push({ path: section, message: `expected a map of ${section}` });
      continue;
    }
    const renamed: Map_ = {};
    for (const [id, cfg] of Object.entries(defs)) {
      const to = rename(id);
      if (!to) {
        issues.push({ path: joinPath(section, id), message: parseComponentId(id) as string });
        continue;
      }
      const exposedAlso =
        (section === 'processors' && rules.processors.includes(id)) ||
        (section === 'exporters' && rules.exporters.includes(id)) ||
        (section === 'connectors' && (rules.exporters.includes(id) || rules.receivers.includes(id)));
      if (exposedAlso)
        issues.push({
          path: joinPath(section, id),
          message: `"${id}" is also exposed by the base config: ambiguous, rename the fragment's one`,
        });
      own[section].set(id, to);
      renamed[to] = section === 'connectors' ? renamePipelineRefs(cfg, pipelineIds) : cfg;
    }
    out[section] = renamed;
  }
  const pipelines: Map_ = {};
  for (const [pid, p] of Object.entries(rawPipelines)) {
    const to = pipelineIds.get(pid);
    if (!to) continue;
    const base = joinPath('service', 'pipelines', pid);
    if (!isMap(p)) {
      pipelines[to] = p; // validation says what is wrong with it
      continue;
    }
    const np: Map_ = { ...p };
    const list = (
      key: 'receivers' | 'processors' | 'exporters',
      resolve: (id: string) => string | undefined,
      what: string,
    ) => {
      const v = p[key];
      if (!Array.isArray(v)) return;
      np[key] = v.map((id, i) => {
        if (typeof id !== 'string') return id;
        const r = resolve(id);
        if (r === undefined) issues.push({ path: joinPath(base, key, i), message: what.replace('%s', id) });
        return r ?? id;
      });
    };
    list(
      'receivers',
      (id) => own.connectors.get(id) ?? (rules.receivers.includes(id) ? id : undefined),
      `references receiver "%s" which the base config does not expose to teams (exposed: ${rules.receivers.join(', ') || 'none'}); a fragment may list only exposed receivers and its own connectors`,
    );
    list(
      'processors',
      (id) => own.processors.get(id) ?? (rules.processors.includes(id) ? id : undefined),
      `references processor "%s" which this fragment does not define and the base does not expose (exposed: ${rules.processors.join(', ') || 'none'})`,
    );
    list(
      'exporters',
      (id) =>
        own.connectors.get(id) ?? own.exporters.get(id) ?? (rules.exporters.includes(id) ? id : undefined),
      `references exporter "%s" which the base config does not expose to teams (exposed: ${rules.exporters.join(', ') || 'none'})`,
    );
    pipelines[to] = np;
  }
  if (issues.length) return { issues };
  if (Object.keys(pipelines).length) out.service = { pipelines };
  return { fragment: out };
}

/** A connector's pipeline lists (routing's `default_pipelines`, `table[].pipelines`) follow the fragment's renaming. */
function renamePipelineRefs(v: unknown, ids: ReadonlyMap<string, string>, key = ''): unknown {
  if (Array.isArray(v))
    return key === 'pipelines' || key === 'default_pipelines'
      ? v.map((x) => (typeof x === 'string' ? (ids.get(x) ?? x) : x))
      : v.map((x) => renamePipelineRefs(x, ids));
  if (isMap(v)) {
    const out: Map_ = {};
    for (const [k, x] of Object.entries(v)) out[k] = renamePipelineRefs(x, ids, k);
    return out;
  }
  return v;
}

function checkNoEnv(v: unknown, path: string[], issues: ConfigIssue[]): void {
  if (typeof v === 'string') {
    if (v.includes('${'))
      issues.push({
        path: joinPath(...path),
        message:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the text names the syntax
          '"${...}" is not allowed in a fragment: teams cannot read the environment (ask the platform to expose a value)',
      });
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkNoEnv(v[i], [...path, String(i)], issues);
  } else if (isMap(v)) for (const [k, x] of Object.entries(v)) checkNoEnv(x, [...path, k], issues);
}
