// OTLP metrics of every type → the built tsunagi binary → prometheus_remote_write →
// the REAL Prometheus 2.42 (remote-write receiver, native histograms, exemplar storage);
// every series is queried back through Prometheus's HTTP API and compared with what
// was sent. Also: an out-of-order sample answered 400 by Prometheus is counted in
// send_failed and not retried, while the other series of that request still land.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/ports.js';
import {
  eventually,
  type PrometheusServer,
  prometheusAvailable,
  startPrometheus,
} from './support/prometheus-server.js';
import { startTsunagi, type TsunagiProcess } from './support/tsunagi-process.js';

const has = prometheusAvailable('prometheus_remote_write e2e');

const NOW_MS = Date.now() - 60_000;
const T = (offsetMs: number) => String(BigInt(NOW_MS + offsetMs) * 1_000_000n);
const START = T(-600_000);
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function kv(key: string, v: string | number | boolean) {
  return {
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  };
}

/** One OTLP/JSON request with each metric type the translation knows. */
function request(at: number) {
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            kv('service.name', 'checkout'),
            kv('service.namespace', 'shop'),
            kv('service.instance.id', 'pod-1'),
            kv('k8s.pod.name', 'checkout-7d9'),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'shop.metrics', version: '1.2.0' },
            metrics: [
              {
                name: 'http.server.requests',
                unit: '{request}',
                description: 'Requests served',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [kv('http.route', '/cart'), kv('http.status_code', 200)],
                      startTimeUnixNano: START,
                      timeUnixNano: T(at),
                      asInt: '42',
                      exemplars: [{ timeUnixNano: T(at - 500), asDouble: 1, traceId: TRACE, spanId: SPAN }],
                    },
                  ],
                },
              },
              {
                name: 'process.memory.usage',
                unit: 'By',
                gauge: { dataPoints: [{ timeUnixNano: T(at), asDouble: 1048576.5 }] },
              },
              {
                name: 'cpu.utilization',
                unit: '1',
                gauge: { dataPoints: [{ timeUnixNano: T(at), asDouble: 0.25 }] },
              },
              {
                name: 'queue.depth',
                unit: '{item}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: false,
                  dataPoints: [{ startTimeUnixNano: START, timeUnixNano: T(at), asInt: '-3' }],
                },
              },
              {
                name: 'http.server.duration',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      attributes: [kv('http.route', '/cart')],
                      startTimeUnixNano: START,
                      timeUnixNano: T(at),
                      count: '10',
                      sum: 7.5,
                      bucketCounts: ['2', '5', '3', '0'],
                      explicitBounds: [0.1, 0.5, 2.5],
                      exemplars: [{ timeUnixNano: T(at - 100), asDouble: 0.3, traceId: TRACE, spanId: SPAN }],
                    },
                  ],
                },
              },
              {
                name: 'rpc.latency',
                unit: 'ms',
                summary: {
                  dataPoints: [
                    {
                      startTimeUnixNano: START,
                      timeUnixNano: T(at),
                      count: '4',
                      sum: 100,
                      quantileValues: [
                        { quantile: 0.5, value: 20 },
                        { quantile: 0.99, value: 45 },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'payload.size',
                unit: 'By',
                exponentialHistogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      startTimeUnixNano: START,
                      timeUnixNano: T(at),
                      count: '6',
                      sum: 30,
                      scale: 0,
                      zeroCount: '1',
                      positive: { offset: 1, bucketCounts: ['2', '0', '3'] },
                    },
                  ],
                },
              },
              {
                name: 'jobs.done',
                unit: '',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [{ startTimeUnixNano: T(at - 1000), timeUnixNano: T(at), asInt: '5' }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe.skipIf(!has)('prometheus_remote_write → real Prometheus', () => {
  let prom: PrometheusServer;
  let tsunagi: TsunagiProcess;
  let otlpPort: number;
  let telemetryPort: number;

  beforeAll(async () => {
    prom = await startPrometheus({
      remoteWriteReceiver: true,
      features: ['native-histograms', 'exemplar-storage'],
    });
    otlpPort = await freePort();
    telemetryPort = await freePort();
    tsunagi = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${otlpPort} }
exporters:
  prometheus_remote_write:
    endpoint: ${prom.url}/api/v1/write
    external_labels: { cluster: eu-1 }
    send_metadata: true
    retry_on_failure: { initial_interval: 50ms, max_elapsed_time: 5s }
service:
  telemetry:
    metrics: { address: 127.0.0.1:${telemetryPort} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus_remote_write] }
`);
  }, 60_000);

  afterAll(async () => {
    await tsunagi?.stop();
    await prom?.stop();
  });

  const post = async (body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${otlpPort}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
  };
  const at = (NOW_MS / 1000).toFixed(3);
  const q = (expr: string) => prom.query(expr, Number(at));
  const one = (expr: string) =>
    eventually(async () => {
      const r = await q(expr);
      return r.length > 0 ? r : undefined;
    }, expr);

  it('writes every type with the specification’s names, labels and values', async () => {
    await post(request(0));

    const counter = await one('http_server_requests_total');
    expect(counter).toHaveLength(1);
    expect(counter[0].metric).toEqual({
      __name__: 'http_server_requests_total',
      job: 'shop/checkout',
      instance: 'pod-1',
      http_route: '/cart',
      http_status_code: '200',
      otel_scope_name: 'shop.metrics',
      otel_scope_version: '1.2.0',
      cluster: 'eu-1',
    });
    expect(counter[0].value[1]).toBe('42');

    expect((await one('process_memory_usage_bytes'))[0].value[1]).toBe('1048576.5');
    expect((await one('cpu_utilization_ratio'))[0].value[1]).toBe('0.25');
    const gauge = await one('queue_depth');
    expect(gauge[0].value[1]).toBe('-3');

    const buckets = await one('http_server_duration_seconds_bucket');
    const byLe = Object.fromEntries(buckets.map((b) => [b.metric.le, b.value[1]]));
    expect(byLe).toEqual({ '0.1': '2', '0.5': '7', '2.5': '10', '+Inf': '10' });
    expect((await one('http_server_duration_seconds_sum'))[0].value[1]).toBe('7.5');
    expect((await one('http_server_duration_seconds_count'))[0].value[1]).toBe('10');

    const quantiles = await one('rpc_latency_milliseconds');
    expect(Object.fromEntries(quantiles.map((s) => [s.metric.quantile, s.value[1]]))).toEqual({
      '0.5': '20',
      '0.99': '45',
    });
    expect((await one('rpc_latency_milliseconds_count'))[0].value[1]).toBe('4');

    // Exponential histogram → native histogram: count, sum and bucket boundaries (scale 0: powers of 2).
    const native = await one('payload_size_bytes');
    const h = native[0].histogram?.[1];
    expect(h?.count).toBe('6');
    expect(h?.sum).toBe('30');
    const nonZero = (h?.buckets ?? []).filter((b) => Number(b[1]) > 0).map((b) => [b[1], b[2], b[3]]);
    // OTLP bucket i covers (2^i, 2^(i+1)]: offset 1 → (2,4] = 2, (8,16] = 3; zero bucket 1.
    expect(nonZero).toEqual([
      ['2', '4', '2'],
      ['8', '16', '3'],
    ]);
    expect(await one('histogram_count(payload_size_bytes)')).toMatchObject([{ value: [Number(at), '6'] }]);

    // Delta sums cannot be written: dropped, not invented.
    expect(await q('jobs_done_total')).toEqual([]);

    // target_info carries the other resource attributes with job and instance.
    const target = await one('target_info');
    expect(target[0].metric).toEqual({
      __name__: 'target_info',
      job: 'shop/checkout',
      instance: 'pod-1',
      k8s_pod_name: 'checkout-7d9',
      cluster: 'eu-1',
    });

    // Exemplars carry the trace that made them.
    const ex = await eventually(async () => {
      const r = await fetch(
        `${prom.url}/api/v1/query_exemplars?${new URLSearchParams({
          query: 'http_server_requests_total',
          start: String(Number(at) - 60),
          end: String(Number(at) + 60),
        })}`,
      );
      const j = (await r.json()) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
      return j.data.length > 0 ? j.data : undefined;
    }, 'exemplars');
    expect(ex[0].exemplars[0].labels).toEqual({ trace_id: TRACE, span_id: SPAN });

    // Metadata: the family's type, help and unit.
    const meta = await eventually(
      async () => {
        const r = await fetch(`${prom.url}/api/v1/metadata?metric=http_server_duration_seconds`);
        const j = (await r.json()) as {
          data: Record<string, { type: string; help: string; unit: string }[]>;
        };
        return j.data.http_server_duration_seconds;
      },
      'metadata',
      5000,
    ).catch(() => undefined);
    // Prometheus 2.42 keeps remote-written metadata only with the metadata WAL feature; when it has it, it must match.
    if (meta) expect(meta[0]).toMatchObject({ type: 'histogram', unit: 'seconds' });
  }, 60_000);

  it('a stale point (no recorded value) ends the series with Prometheus’s stale marker', async () => {
    const first = request(1000);
    const later = request(2000);
    // Only the gauge, flagged "no recorded value".
    later.resourceMetrics[0].scopeMetrics[0].metrics = [
      {
        name: 'cpu.utilization',
        unit: '1',
        gauge: { dataPoints: [{ timeUnixNano: T(2000), asDouble: 0.9, flags: 1 } as never] },
      },
    ];
    await post(first);
    await eventually(
      async () =>
        (await prom.query('cpu_utilization_ratio', (NOW_MS + 1000) / 1000)).length ? true : undefined,
      'gauge at +1s',
    );
    await post(later);
    await eventually(
      async () =>
        (await prom.query('cpu_utilization_ratio', (NOW_MS + 2500) / 1000)).length === 0 ? true : undefined,
      'the stale marker hides the series after +2s',
    );
  }, 30_000);

  it('an out-of-order sample is answered 400: counted in send_failed, logged, not retried', async () => {
    const failedBefore = await sendFailed();
    // Older than what Prometheus already has for these series: out of order.
    await post(request(-30_000));
    const failed = await eventually(async () => {
      const n = await sendFailed();
      return n > failedBefore ? n : undefined;
    }, 'send_failed to grow');
    expect(failed).toBeGreaterThan(failedBefore);
    await eventually(async () => (/status 400/.test(tsunagi.stderr()) ? true : undefined), '400 in the log');
    const retried400 = tsunagi
      .stderr()
      .split('\n')
      .filter((l) => l.includes('Will retry') && l.includes('status 400'));
    expect(retried400).toEqual([]);
  }, 30_000);

  async function sendFailed(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${telemetryPort}/metrics`)).text();
    const m = /otelcol_exporter_send_failed_metric_points_total\{[^}]*\} (\d+)/.exec(text);
    return m ? Number(m[1]) : 0;
  }
});
