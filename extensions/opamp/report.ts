// What the agent reports, built from what the service offers extensions:
// the agent description, the effective config (YAML, secrets masked the way
// the collector masks its opaque values), health per pipeline and component,
// and the available component types.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { stringify } from 'yaml';
import type { ExtensionServices } from '../../src/component/component.js';
import type { StatusSnapshot } from '../../src/component/status.js';
import { redactUrl } from '../../src/telemetry/redact.js';
import type { OpampConfig } from './config.js';
import type { AgentToServer, ComponentDetails, ComponentHealth, KeyValue } from './proto.js';

const kv = (key: string, value: string): KeyValue => ({ key, value: { string_value: value } });

const OS_TYPE: Partial<Record<NodeJS.Platform, string>> = { win32: 'windows', sunos: 'solaris' };
const HOST_ARCH: Partial<Record<string, string>> = { x64: 'amd64', ia32: 'x86', ppc64: 'ppc64' };

export function agentDescription(
  cfg: OpampConfig['agent_description'],
  instanceId: string,
  build: { name: string; version: string },
  resource: Record<string, string>,
): NonNullable<AgentToServer['agent_description']> {
  const identifying: Record<string, string> = {
    'service.instance.id': instanceId,
    'service.name': resource['service.name'] ?? build.name,
    'service.version': resource['service.version'] ?? build.version,
  };
  const non: Record<string, string> = {
    'os.type': OS_TYPE[process.platform] ?? process.platform,
    'host.arch': HOST_ARCH[process.arch] ?? process.arch,
    'host.name': hostname(),
  };
  if (cfg.include_resource_attributes)
    for (const [k, v] of Object.entries(resource)) if (!(k in identifying)) non[k] = v;
  Object.assign(non, cfg.non_identifying_attributes);
  const sorted = (m: Record<string, string>) =>
    Object.keys(m)
      .sort()
      .map((k) => kv(k, m[k]));
  return { identifying_attributes: sorted(identifying), non_identifying_attributes: sorted(non) };
}

export const REDACTED = '[REDACTED]';
/** Keys whose values the collector types as configopaque (passwords, tokens, keys, headers). */
const SECRET_KEY = /(^|_)(password|passwd|token|secret|api_?key|key_pem|client_secret|credentials?)$/i;

/** `v` with secret values masked and URL credentials hidden; never throws. */
export function redactSecrets(v: unknown, key = '', depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (typeof v === 'string') return SECRET_KEY.test(key) ? REDACTED : redactUrl(v);
  if (Array.isArray(v)) return v.map((x) => redactSecrets(x, key, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // every value of a `headers` map is opaque in confighttp / configgrpc
    for (const [k, x] of Object.entries(v))
      out[k] =
        key === 'headers' && (typeof x === 'string' || typeof x === 'number')
          ? REDACTED
          : redactSecrets(x, k, depth + 1);
    return out;
  }
  return v;
}

/** The effective config as the YAML body the collector reports (one file, key ""). */
export function effectiveConfigYaml(map: Record<string, unknown>): string {
  try {
    return stringify(redactSecrets(map), { aliasDuplicateObjects: false });
  } catch (e) {
    return `# the effective config could not be written as YAML: ${e instanceof Error ? e.message : String(e)}\n`;
  }
}

/** How long after its last error a component still reports StatusRecoverableError. */
const ERROR_WINDOW_MS = 60_000;

/**
 * Health: the agent (healthy while every pipeline runs), each pipeline
 * (`pipeline:<id>`) with its components (`receiver:otlp`, ...), and the
 * extensions, keyed as the collector's status aggregation keys them. A
 * component with an error in the last minute is StatusRecoverableError
 * with that error; otherwise StatusOK.
 */
export function health(snap: StatusSnapshot, ready: boolean, now = Date.now()): ComponentHealth {
  const startNs = snap.service.startedAt * 1e6;
  const nowNs = now * 1e6;
  const byKey = new Map(snap.components.map((c) => [c.key, c]));
  const one = (key: string): ComponentHealth => {
    const c = byKey.get(key);
    const err = c?.counts?.lastError;
    const recent = err && now - err.at < ERROR_WINDOW_MS;
    return {
      healthy: !recent,
      start_time_unix_nano: startNs,
      status: recent ? 'StatusRecoverableError' : 'StatusOK',
      ...(recent ? { last_error: err.message } : {}),
      status_time_unix_nano: recent ? err.at * 1e6 : startNs,
    };
  };
  const group = (members: Record<string, ComponentHealth>): ComponentHealth => {
    const bad = Object.values(members).find((m) => !m.healthy);
    return {
      healthy: !bad,
      start_time_unix_nano: startNs,
      status: bad ? 'StatusRecoverableError' : 'StatusOK',
      ...(bad?.last_error ? { last_error: bad.last_error } : {}),
      status_time_unix_nano: bad ? bad.status_time_unix_nano : startNs,
      component_health_map: members,
    };
  };
  const map: Record<string, ComponentHealth> = {};
  const connectors = new Set(snap.connectors);
  for (const p of snap.pipelines) {
    const members: Record<string, ComponentHealth> = {};
    for (const r of p.receivers) {
      const k = connectors.has(r) ? `connector:${r}` : `receiver:${r}`;
      members[k] = one(k);
    }
    for (const id of p.processors) members[`processor:${id}`] = one(`processor:${id}@${p.id}`);
    for (const e of p.exporters) {
      const k = connectors.has(e) ? `connector:${e}` : `exporter:${e}`;
      members[k] = one(k);
    }
    map[`pipeline:${p.id}`] = group(members);
  }
  if (snap.extensions.length) {
    const members: Record<string, ComponentHealth> = {};
    for (const id of snap.extensions) members[`extension:${id}`] = one(`extension:${id}`);
    map.extensions = group(members);
  }
  return {
    healthy: ready,
    start_time_unix_nano: ready ? startNs : 0,
    status: ready ? 'StatusOK' : snap.service.state === 'starting' ? 'StatusStarting' : 'StatusStopping',
    ...(ready ? {} : { last_error: `the service is ${snap.service.state}` }),
    status_time_unix_nano: nowNs,
    component_health_map: map,
  };
}

/** The health without its observation times, to tell whether it changed. */
export function healthKey(h: ComponentHealth): string {
  return JSON.stringify(h, (k, v) => (k === 'status_time_unix_nano' ? undefined : v));
}

export function availableComponents(
  services: ExtensionServices,
  version: string,
): NonNullable<AgentToServer['available_components']> {
  const kinds = services.availableComponents?.() ?? {};
  const components: Record<string, ComponentDetails> = {};
  const h = createHash('sha256');
  for (const kind of Object.keys(kinds).sort()) {
    const sub: Record<string, ComponentDetails> = {};
    for (const type of [...kinds[kind]].sort()) {
      sub[type] = { metadata: [kv('code.namespace', 'tsunagi'), kv('code.version', version)] };
      h.update(`${kind}/${type}@${version}\n`);
    }
    components[kind] = { sub_component_map: sub };
  }
  return { components, hash: new Uint8Array(h.digest()) };
}
