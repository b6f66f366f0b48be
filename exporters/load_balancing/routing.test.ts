import { describe, expect, it } from 'vitest';
import { str } from '../../src/pdata/attributes.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newResourceMetrics,
  newResourceSpans,
  newScopeLogs,
  newScopeMetrics,
  newScopeSpans,
  newSpan,
} from '../../src/pdata/create.js';
import type { LogsData, Metric, MetricsData, TracesData } from '../../src/pdata/types.js';
import { HashRing } from './ring.js';
import { type RouteOptions, routeData, serviceKey } from './routing.js';

const ring = new HashRing(['a:4317', 'b:4317', 'c:4317']);
const opts = (key: RouteOptions['key'], attributes: string[] = []): RouteOptions => ({
  key,
  attributes,
  endpointFor: (k) => ring.endpointFor(k) as string,
});
const tid = (i: number) => {
  const t = new Uint8Array(16);
  new DataView(t.buffer).setUint32(0, i * 2654435761);
  t[15] = i;
  return t;
};
const resource = (service: string, extra: Record<string, string> = {}) => {
  const r = newResource();
  r.attributes.push({ key: 'service.name', value: str(service) });
  for (const [k, v] of Object.entries(extra)) r.attributes.push({ key: k, value: str(v) });
  return r;
};

function spans(services: string[], traces: number): TracesData {
  return {
    resourceSpans: services.map((svc) => {
      const rs = newResourceSpans(resource(svc));
      const ss = newScopeSpans();
      for (let i = 0; i < traces; i++)
        for (const kind of [2, 3]) {
          const s = newSpan();
          s.traceId = tid(i);
          s.kind = kind;
          s.name = `${svc}-${i}-${kind}`;
          ss.spans.push(s);
        }
      rs.scopeSpans.push(ss);
      return rs;
    }),
  };
}

const spanNames = (d: TracesData) =>
  d.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));

describe('splitting per routing key', () => {
  it('traces by traceID: every span of a trace in one part, resources kept per part', () => {
    const d = spans(['cart', 'checkout'], 30);
    const parts = routeData('traces', d, opts('traceID'));
    expect(parts.size).toBe(3);
    const seen = new Map<number, string>();
    let total = 0;
    for (const [ep, part] of parts) {
      for (const rs of part.resourceSpans)
        for (const s of rs.scopeSpans[0].spans) {
          expect(ring.endpointFor(s.traceId)).toBe(ep);
          expect(
            s.name.startsWith((rs.resource.attributes[0].value as { stringValue: string }).stringValue),
          ).toBe(true);
          const i = s.traceId[15];
          expect(seen.get(i) ?? ep).toBe(ep);
          seen.set(i, ep);
          total++;
        }
    }
    expect(total).toBe(120);
  });

  it('traces by service: whole resources (not even read) go to the service owner', () => {
    const d = spans(['cart', 'checkout', 'ads', 'search'], 3);
    const parts = routeData('traces', d, opts('service'));
    for (const [ep, part] of parts)
      for (const rs of part.resourceSpans) {
        expect(ring.endpointFor(serviceKey(rs.resource))).toBe(ep);
        expect(d.resourceSpans).toContain(rs); // the same object, not a copy
      }
    expect(serviceKey(resource('cart'))).toBe('service.name=cart|');
  });

  it('traces by attributes: the key of a trace is taken from its first span (span.kind here)', () => {
    const d = spans(['cart'], 20);
    const parts = routeData('traces', d, opts('attributes', ['service.name', 'span.kind']));
    // every trace's first span is SERVER: one key, one backend, the request as it came
    expect(parts.size).toBe(1);
    const [ep, part] = [...parts][0];
    expect(part).toBe(d);
    expect(ep).toBe(ring.endpointFor('service.name=cart|span.kind=Server|'));
  });

  it('one backend for everything: the request goes out as it came', () => {
    const single = new HashRing(['only:4317']);
    const d = spans(['cart'], 10);
    const parts = routeData('traces', d, {
      ...opts('traceID'),
      endpointFor: (k) => single.endpointFor(k) as string,
    });
    expect([...parts]).toEqual([['only:4317', d]]);
  });

  it('logs by traceID (untraced records together), service and resource', () => {
    const rl = newResourceLogs(resource('api', { 'host.name': 'h1' }));
    const sl = newScopeLogs();
    for (let i = 0; i < 30; i++) {
      const r = newLogRecord();
      r.body = str(`traced-${i}`);
      r.traceId = tid(i);
      sl.logRecords.push(r);
      const u = newLogRecord();
      u.body = str(`untraced-${i}`);
      sl.logRecords.push(u);
    }
    rl.scopeLogs.push(sl);
    const d: LogsData = { resourceLogs: [rl] };
    const byTrace = routeData('logs', d, opts('traceID'));
    const untracedAt = new Set<string>();
    let n = 0;
    for (const [ep, part] of byTrace)
      for (const r of part.resourceLogs.flatMap((x) => x.scopeLogs.flatMap((s) => s.logRecords))) {
        n++;
        if (r.traceId.length === 16 && r.traceId.some((b) => b)) expect(ring.endpointFor(r.traceId)).toBe(ep);
        else untracedAt.add(ep);
      }
    expect(n).toBe(60);
    expect(untracedAt.size).toBe(1);
    const byService = routeData('logs', d, opts('service'));
    expect([...byService]).toEqual([[ring.endpointFor('service.name=api|'), d]]);
    const byResource = routeData('logs', d, opts('resource'));
    expect([...byResource]).toEqual([[ring.endpointFor('host.name=h1|service.name=api|'), d]]);
  });

  function metrics(): MetricsData {
    const rms = ['api', 'db', 'web', 'queue'].map((svc) => {
      const rm = newResourceMetrics(resource(svc));
      const sm = newScopeMetrics();
      for (const name of ['requests', 'errors', 'latency', 'bytes']) {
        const m: Metric = {
          name,
          description: '',
          unit: '1',
          metadata: [],
          sum: {
            aggregationTemporality: 2,
            isMonotonic: true,
            dataPoints: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].map((method) => ({
              attributes: [{ key: 'http.method', value: str(method) }],
              startTimeUnixNano: 1n,
              timeUnixNano: 2n,
              asInt: 1n,
              exemplars: [],
              flags: 0,
            })),
          },
        };
        sm.metrics.push(m);
      }
      rm.scopeMetrics.push(sm);
      return rm;
    });
    return { resourceMetrics: rms };
  }
  const points = (d: MetricsData) =>
    d.resourceMetrics.flatMap((rm) =>
      rm.scopeMetrics.flatMap((sm) =>
        sm.metrics.flatMap((m) =>
          (m.sum?.dataPoints ?? []).map((p) => ({
            svc: (rm.resource.attributes[0].value as { stringValue: string }).stringValue,
            metric: m.name,
            method: (p.attributes[0].value as { stringValue: string }).stringValue,
          })),
        ),
      ),
    );

  it('metrics by service, metric name, streamID and attributes: each point once, consistently placed', () => {
    const d = metrics();
    const all = points(d).length;
    for (const key of ['service', 'resource', 'metric', 'streamID', 'attributes'] as const) {
      const parts = routeData('metrics', d, opts(key, key === 'attributes' ? ['http.method'] : []));
      const placed = new Map<string, string>();
      let n = 0;
      for (const [ep, part] of parts)
        for (const p of points(part)) {
          n++;
          const group =
            key === 'service' || key === 'resource'
              ? p.svc
              : key === 'metric'
                ? p.metric
                : key === 'attributes'
                  ? p.method
                  : `${p.svc}/${p.metric}/${p.method}`;
          expect(placed.get(group) ?? ep, `${key}: ${group}`).toBe(ep);
          placed.set(group, ep);
        }
      expect(n, key).toBe(all);
      // the same input routes the same way again
      const again = routeData('metrics', metrics(), opts(key, key === 'attributes' ? ['http.method'] : []));
      expect([...again.keys()].sort()).toEqual([...parts.keys()].sort());
    }
    const byMethod = routeData('metrics', d, opts('attributes', ['http.method']));
    for (const [ep, part] of byMethod)
      for (const p of points(part)) expect(ring.endpointFor(`http.method=${p.method}|`)).toBe(ep);
    expect(spanNames(spans(['x'], 1))).toHaveLength(2);
  });
});
