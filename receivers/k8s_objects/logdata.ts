// Kubernetes objects as log records, as the collector's
// unstructured_to_logdata.go builds them: one ResourceLogs per namespace
// (resource attribute k8s.namespace.name when the object has one), each
// record with observed time = now, attribute k8s.resource.name = the
// resource (e.g. "events"), and the object as a map body. A watch event's
// body is {type, object} and it also gets event.domain = "k8s" and
// event.name = the object's name.
import { setAttr, str, toAnyValue } from '../../src/pdata/attributes.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import type { LogsData, ScopeLogs } from '../../src/pdata/types.js';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  [k: string]: unknown;
}

const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

function build(resource: string, items: { obj: KubeObject; body: unknown; watch: boolean }[]): LogsData {
  const byNamespace = new Map<string, ScopeLogs>();
  const out: LogsData = { resourceLogs: [] };
  const observed = nowNanos();
  for (const { obj, body, watch } of items) {
    const ns = obj.metadata?.namespace ?? '';
    let sl = byNamespace.get(ns);
    if (!sl) {
      const rl = newResourceLogs();
      if (ns) setAttr(rl.resource.attributes, 'k8s.namespace.name', str(ns));
      sl = newScopeLogs();
      rl.scopeLogs.push(sl);
      out.resourceLogs.push(rl);
      byNamespace.set(ns, sl);
    }
    const rec = newLogRecord();
    rec.observedTimeUnixNano = observed;
    setAttr(rec.attributes, 'k8s.resource.name', str(resource));
    const name = obj.metadata?.name;
    if (watch && name) {
      setAttr(rec.attributes, 'event.domain', str('k8s'));
      setAttr(rec.attributes, 'event.name', str(name));
    }
    rec.body = toAnyValue(body);
    sl.logRecords.push(rec);
  }
  return out;
}

/** A pull: every listed object is one record whose body is the object. */
export function pullToLogs(resource: string, items: KubeObject[]): LogsData {
  return build(
    resource,
    items.map((obj) => ({ obj, body: obj, watch: false })),
  );
}

/** A watch event: one record whose body is {type, object}. */
export function watchToLogs(resource: string, type: string, obj: KubeObject): LogsData {
  return build(resource, [{ obj, body: { type, object: obj }, watch: true }]);
}
