// The log line. With structured metadata (Loki 3) the line is the body: as
// text (`raw`), or a map body rendered as JSON / logfmt. Without structured
// metadata (Loki 2.x) the line also carries the attributes and trace_id /
// span_id, so Grafana's derived fields can link the line to its trace.
import { anyValueToString } from '../../src/pdata/attributes.js';
import { jsonObject, jsonValue } from '../../src/pdata/json-text.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';

export type LineFormat = 'raw' | 'json' | 'logfmt';

/** logfmt value: bare when safe, else quoted with \ " and newlines escaped. */
export function logfmtValue(s: string): string {
  if (s !== '' && !/[\s="\\]/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export function logfmtKey(k: string): string {
  return k.replace(/[\s="\\]/g, '_') || '_';
}

function logfmtPairs(kvs: KeyValue[], prefix: string, skip?: (key: string) => boolean): string {
  let s = '';
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i];
    if (skip?.(kv.key)) continue;
    s += ` ${logfmtKey(prefix + kv.key)}=${logfmtValue(anyValueToString(kv.value))}`;
  }
  return s;
}

/** The body alone in the requested format (structured-metadata mode). */
export function bodyLine(body: AnyValue, format: LineFormat): string {
  if (format === 'raw') return anyValueToString(body);
  const isMap = 'kvlistValue' in body;
  if (format === 'json') return isMap ? jsonValue(body) : `{"body":${jsonValue(body)}}`;
  if (isMap) return logfmtPairs((body.kvlistValue as { values: KeyValue[] }).values, '').slice(1);
  return `msg=${logfmtValue(anyValueToString(body))}`;
}

/** What a Loki 2.x line carries besides the body. */
export interface LineExtras {
  traceId: string;
  spanId: string;
  severity: string;
  attributes: KeyValue[];
  resource: KeyValue[];
  scopeName: string;
  scopeVersion: string;
  skipAttr: (key: string) => boolean;
  skipResource: (key: string) => boolean;
}

/** The whole record in one line (no structured metadata): json or logfmt (raw behaves as logfmt). */
export function fullLine(body: AnyValue, format: LineFormat, x: LineExtras): string {
  if (format === 'json') {
    let s = `{"body":${jsonValue(body)}`;
    if (x.traceId) s += `,"trace_id":"${x.traceId}"`;
    if (x.spanId) s += `,"span_id":"${x.spanId}"`;
    if (x.severity) s += `,"severity":${JSON.stringify(x.severity)}`;
    const attrs = jsonObject(x.attributes, x.skipAttr);
    if (attrs !== '{}') s += `,"attributes":${attrs}`;
    const res = jsonObject(x.resource, x.skipResource);
    if (res !== '{}') s += `,"resources":${res}`;
    if (x.scopeName || x.scopeVersion)
      s += `,"instrumentation_scope":{"name":${JSON.stringify(x.scopeName)},"version":${JSON.stringify(x.scopeVersion)}}`;
    return `${s}}`;
  }
  let s = bodyLine(body, 'logfmt');
  if (x.traceId) s += ` trace_id=${x.traceId}`;
  if (x.spanId) s += ` span_id=${x.spanId}`;
  if (x.severity) s += ` severity=${logfmtValue(x.severity)}`;
  s += logfmtPairs(x.attributes, '', x.skipAttr);
  s += logfmtPairs(x.resource, 'resource_', x.skipResource);
  return s;
}
