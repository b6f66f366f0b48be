// Connector configs as users write them, validated with the real registry:
// the OpenTelemetry demo's span metrics pipeline (its other components, which
// Tsunagi does not have, left out) and the routing connector README's
// examples; and the refusals a user meets first, with their paths.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from '../app/registry.js';
import { formatIssue } from '../src/config/issues.js';
import { validateConfig } from '../src/config/validate.js';

function validate(yaml: string) {
  const r = validateConfig(parse(yaml), registry);
  return { errors: r.errors.map(formatIssue), warnings: r.warnings, config: r.config };
}

describe('connector configs with the real components', () => {
  it("the demo's spanmetrics connector (bare key, deprecated alias) between its traces and metrics pipelines", () => {
    const r = validate(`
receivers:
  otlp:
    protocols: {grpc: {endpoint: 0.0.0.0:4317}, http: {endpoint: 0.0.0.0:4318}}
exporters:
  debug:
  otlp:
    endpoint: "jaeger:4317"
    tls: {insecure: true}
  otlphttp/prometheus:
    endpoint: "http://prometheus:9090/api/v1/otlp"
    tls: {insecure: true}
processors:
  memory_limiter: {check_interval: 5s, limit_percentage: 80, spike_limit_percentage: 25}
connectors:
  spanmetrics:
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [otlp, debug, spanmetrics]
    metrics:
      receivers: [otlp, spanmetrics]
      processors: [memory_limiter]
      exporters: [otlphttp/prometheus, debug]
`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContain(
      'connectors::spanmetrics: "spanmetrics" alias is deprecated; use "span_metrics" instead',
    );
    expect(r.config!.connectors.get('spanmetrics')!.config).toMatchObject({
      namespace: 'traces.span.metrics',
      metrics_flush_interval: 60_000,
    });
  });

  it('the routing README: tenants by request header, regions by log attribute, severity then service', () => {
    const r = validate(`
receivers:
  otlp: {protocols: {http: {include_metadata: true}}}
exporters:
  debug/other:
  debug/acme:
  debug/ecorp:
  debug/cheap:
connectors:
  routing:
    default_pipelines: [logs/other]
    table:
      - context: request
        condition: request["X-Tenant"] == "acme"
        pipelines: [logs/acme]
      - context: request
        condition: request["X-Tenant"] == "ecorp"
        pipelines: [logs/ecorp]
  routing/severity:
    table:
      - context: log
        condition: severity_number < SEVERITY_NUMBER_ERROR
        pipelines: [logs/cheap]
      - context: resource
        condition: attributes["service.name"] == "service1"
        pipelines: [logs/other]
service:
  pipelines:
    logs/in: {receivers: [otlp], exporters: [routing, routing/severity]}
    logs/acme: {receivers: [routing], exporters: [debug/acme]}
    logs/ecorp: {receivers: [routing], exporters: [debug/ecorp]}
    logs/other: {receivers: [routing, routing/severity], exporters: [debug/other]}
    logs/cheap: {receivers: [routing/severity], exporters: [debug/cheap]}
`);
    expect(r.errors).toEqual([]);
  });

  it('count and span_metrics feeding one metrics pipeline, forward merging two log pipelines', () => {
    const r = validate(`
receivers: {otlp: {protocols: {grpc: }}}
exporters: {debug: }
connectors:
  count:
    logs:
      error.logs: {conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']}
  span_metrics:
    dimensions: [{name: http.method, default: GET}]
    histogram: {exponential: {max_size: 100}}
  forward:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [span_metrics, count]}
    logs/a: {receivers: [otlp], exporters: [forward]}
    logs/b: {receivers: [otlp], exporters: [forward]}
    logs: {receivers: [forward], exporters: [debug, count]}
    metrics: {receivers: [span_metrics, count], exporters: [debug]}
`);
    expect(r.errors).toEqual([]);
  });

  it('the refusals a user meets first', () => {
    const r = validate(`
receivers: {otlp: {protocols: {grpc: }}}
exporters: {debug: }
connectors:
  spanmetrics:
    histogram: {unit: us}
  count:
  routing:
    table: [{condition: 'attributes["t"] == "a"', pipelines: [traces/a]}]
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [count, routing]}
    logs: {receivers: [count], exporters: [debug]}
    traces/b: {receivers: [routing], exporters: [debug]}
`);
    expect(r.errors).toEqual([
      'connectors::spanmetrics::histogram::unit: invalid value string "us": expected one of "ms", "s"',
      'service::pipelines::traces::exporters::0: connector "count" cannot take traces to any pipeline it is a receiver of (logs): it connects traces → metrics, metrics → metrics, logs → metrics',
      'service::pipelines::logs::receivers::0: connector "count" cannot make logs from any pipeline it is an exporter of (traces): it connects traces → metrics, metrics → metrics, logs → metrics',
      'connectors::routing::table::0::pipelines::0: pipeline "traces/a" is not configured (did you mean \'traces/b\'?)',
    ]);
  });
});
