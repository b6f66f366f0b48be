// From discovered labels to a scrape target (Prometheus scrape/target.go
// PopulateLabels, as in Prometheus 3 which the collector embeds: no default
// port is added to the address).
import type { ScrapeConfig } from '../promconfig/schema.js';
import { formatPromDuration, parsePromDuration } from '../promconfig/units.js';
import { type Labels, relabel, sortedEntries } from '../relabel/relabel.js';

export interface Target {
  /** Identity within the scrape pool: every final label (internal ones too) and the URL. */
  key: string;
  /** The labels every sample gets: the final labels without `__` ones (job and instance included). */
  labels: Map<string, string>;
  /** The labels before relabel_configs (discovery's, plus the scrape config's defaults). */
  discovered: Map<string, string>;
  url: string;
  intervalMs: number;
  timeoutMs: number;
}

export type PopulateResult =
  | { kind: 'target'; target: Target }
  | { kind: 'dropped'; discovered: Map<string, string> }
  | { kind: 'error'; discovered: Map<string, string>; error: string };

export function populateLabels(input: ReadonlyMap<string, string>, cfg: ScrapeConfig): PopulateResult {
  const lset: Labels = new Map();
  for (const [k, v] of input) if (v !== '') lset.set(k, v);
  const defaults: [string, string][] = [
    ['job', cfg.jobName],
    ['__scrape_interval__', formatPromDuration(cfg.intervalMs)],
    ['__scrape_timeout__', formatPromDuration(cfg.timeoutMs)],
    ['__metrics_path__', cfg.metricsPath],
    ['__scheme__', cfg.scheme],
  ];
  for (const [k, v] of defaults) if (!lset.get(k)) lset.set(k, v);
  for (const [k, vs] of Object.entries(cfg.params))
    if (vs.length > 0 && vs[0] !== '') lset.set(`__param_${k}`, vs[0]);
  const discovered = new Map(lset);
  if (!relabel(lset, cfg.relabel)) return { kind: 'dropped', discovered };
  const fail = (error: string): PopulateResult => ({ kind: 'error', discovered, error });
  const addr = lset.get('__address__');
  if (!addr) return fail('no address');
  if (addr.includes('/')) return fail(`"${addr}" is not a valid hostname`);
  const interval = lset.get('__scrape_interval__') ?? '';
  const intervalMs = parsePromDuration(interval);
  if (intervalMs === undefined)
    return fail(`error parsing scrape interval: not a valid duration string: "${interval}"`);
  if (intervalMs === 0) return fail('scrape interval cannot be 0');
  const timeout = lset.get('__scrape_timeout__') ?? '';
  const timeoutMs = parsePromDuration(timeout);
  if (timeoutMs === undefined)
    return fail(`error parsing scrape timeout: not a valid duration string: "${timeout}"`);
  if (timeoutMs === 0) return fail('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs)
    return fail(`scrape timeout cannot be greater than scrape interval ("${timeout}" > "${interval}")`);
  for (const k of [...lset.keys()]) if (k.startsWith('__meta_')) lset.delete(k);
  if (!lset.get('instance')) lset.set('instance', addr);
  const url = targetUrl(lset, cfg.params);
  const labels = new Map<string, string>();
  let key = '';
  for (const [k, v] of sortedEntries(lset)) {
    key += `${k}\u0000${v}\u0001`;
    if (!k.startsWith('__')) labels.set(k, v);
  }
  return { kind: 'target', target: { key: `${key}${url}`, labels, discovered, url, intervalMs, timeoutMs } };
}

/** Target.URL(): __scheme__://__address____metrics_path__ with params, __param_* replacing the first value. */
export function targetUrl(lset: ReadonlyMap<string, string>, params: Record<string, string[]>): string {
  const values = new Map<string, string[]>();
  for (const [k, vs] of Object.entries(params)) values.set(k, [...vs]);
  for (const [k, v] of lset) {
    if (!k.startsWith('__param_')) continue;
    const name = k.slice('__param_'.length);
    const vs = values.get(name);
    if (vs && vs.length > 0) vs[0] = v;
    else values.set(name, [v]);
  }
  const q = new URLSearchParams();
  for (const k of [...values.keys()].sort()) for (const v of values.get(k) ?? []) q.append(k, v);
  const query = q.toString();
  let path = lset.get('__metrics_path__') ?? '';
  if (path && !path.startsWith('/')) path = `/${path}`;
  return `${lset.get('__scheme__')}://${lset.get('__address__')}${path}${query ? `?${query}` : ''}`;
}
