// Where a document goes: a static index (logs_index / traces_index, with the
// old dynamic prefix/suffix and logstash_format date), the `elasticsearch.index`
// attribute, or the data stream `<type>-<dataset>-<namespace>` (dataset gets
// `.otel` in otel mode), each from record > scope > resource attributes.
import { anyValueToString, findAttr } from '../../src/pdata/attributes.js';
import type { KeyValue } from '../../src/pdata/types.js';
import type { ElasticsearchConfig } from './config.js';
import type { DataStream, MappingMode } from './documents.js';

export interface Route {
  index: string;
  /** Set when writing to a data stream (the documents then carry data_stream.*). */
  ds?: DataStream;
}

export type DocType = 'logs' | 'traces' | 'metrics';

function lookup(key: string, lists: (KeyValue[] | undefined)[]): string | undefined {
  for (const l of lists) {
    if (!l) continue;
    const kv = findAttr(l, key);
    if (kv) {
      const s = anyValueToString(kv.value);
      if (s) return s;
    }
  }
  return undefined;
}

/** Data stream name parts allow lowercase and no \ / * ? " < > | , # : space; dataset has no '-'. */
function sanitize(s: string, dataset: boolean): string {
  let out = s.toLowerCase().replace(/[\\/*?"<>|,#: ]/g, '_');
  if (dataset) out = out.replace(/-/g, '_');
  return out.slice(0, 100);
}

export class Router {
  constructor(private readonly cfg: ElasticsearchConfig) {}

  route(type: DocType, lists: (KeyValue[] | undefined)[], tsNs: bigint, mode: MappingMode): Route {
    const cfg = this.cfg;
    const staticIndex =
      type === 'logs' ? cfg.logs_index : type === 'traces' ? cfg.traces_index : cfg.metrics_index;
    if (staticIndex) {
      let index = staticIndex;
      const dyn =
        type === 'logs'
          ? cfg.logs_dynamic_index.enabled
          : type === 'traces'
            ? cfg.traces_dynamic_index.enabled
            : cfg.metrics_dynamic_index.enabled;
      if (dyn)
        index =
          (lookup('elasticsearch.index.prefix', lists) ?? '') +
          index +
          (lookup('elasticsearch.index.suffix', lists) ?? '');
      return { index: this.logstash(index, tsNs) };
    }
    const explicit = lookup('elasticsearch.index', lists);
    if (explicit) return { index: this.logstash(explicit, tsNs) };
    let dataset = sanitize(lookup('data_stream.dataset', lists) ?? 'generic', true);
    const namespace = sanitize(lookup('data_stream.namespace', lists) ?? 'default', false);
    if (mode === 'otel' && !dataset.endsWith('.otel')) dataset += '.otel';
    return { index: `${type}-${dataset}-${namespace}`, ds: { type, dataset, namespace } };
  }

  private logstash(index: string, tsNs: bigint): string {
    const ls = this.cfg.logstash_format;
    if (!ls.enabled) return index;
    const d = new Date(Number(tsNs / 1_000_000n) || Date.now());
    const p = (n: number) => String(n).padStart(2, '0');
    const date = ls.date_format
      .replace(/%Y/g, String(d.getUTCFullYear()))
      .replace(/%m/g, p(d.getUTCMonth() + 1))
      .replace(/%d/g, p(d.getUTCDate()))
      .replace(/%H/g, p(d.getUTCHours()));
    return `${index}${ls.prefix_separator}${date}`;
  }
}
