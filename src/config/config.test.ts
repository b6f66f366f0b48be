// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests are about ${env:X} references
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fakeExporter, fakeReceiver, fakeRegistry } from '../../test/support/fake-factories.js';
import { expandEnv } from './expand.js';
import { formatIssue } from './issues.js';
import { loadConfig } from './load.js';
import { loadSources } from './sources.js';
import { validateConfig } from './validate.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
const MINIMAL = `
receivers: { otlp: }
exporters: { debug: }
service:
  pipelines: { traces: { receivers: [otlp], exporters: [debug] } }`;
function errorsOf(yaml: string, registry = fakeRegistry()): string[] {
  return validateConfig(parseYaml(yaml), registry).errors.map(formatIssue);
}

describe('config sources', () => {
  it('reads a path, file:, env: and yaml: sources and deep-merges them in order', () => {
    const a = file(
      'a.yaml',
      'receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: "a:1"}\nexporters:\n  debug: {verbosity: basic}\nlist: [1, 2]\n',
    );
    const b = file(
      'b.yaml',
      'receivers:\n  otlp:\n    protocols:\n      http: {endpoint: "b:2"}\nlist: [3]\n',
    );
    const merged = loadSources([a, `file:${b}`, 'env:EXTRA', 'yaml:exporters::debug::verbosity: detailed'], {
      EXTRA: 'processors: {batch: {}}',
    });
    expect(merged).toEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: 'a:1' }, http: { endpoint: 'b:2' } } } },
      exporters: { debug: { verbosity: 'detailed' } },
      processors: { batch: {} },
      list: [3],
    });
  });

  it('reports unreadable files, unset env sources, bad YAML and unknown schemes together', () => {
    const bad = file('bad.yaml', 'a: [1,\n');
    expect(() => loadSources(['/nonexistent.yaml', 'env:NOPE', bad, 'http://x'], {})).toThrowError(
      /cannot read config file "\/nonexistent.yaml"[\s\S]*env:NOPE: environment variable is not set[\s\S]*invalid YAML[\s\S]*unsupported config source scheme "http:"/,
    );
  });
});

describe('env expansion', () => {
  const env = { HOST: '10.0.0.1', PORT: '4317', FLAG: 'true', EMPTY: '' };
  it('expands ${env:X}, defaults, $$ and keeps other $ alone', () => {
    const r = expandEnv(
      {
        a: '${env:HOST}:${env:PORT}',
        b: '${env:MISSING:-fallback}',
        c: '$$DataVisualization',
        d: '$${env:HOST}',
        e: 'cost $5',
        f: '${env:EMPTY:-x}',
        list: ['${env:HOST}'],
      },
      env,
    );
    expect(r.value).toEqual({
      a: '10.0.0.1:4317',
      b: 'fallback',
      c: '$DataVisualization',
      d: '${env:HOST}',
      e: 'cost $5',
      f: '',
      list: ['10.0.0.1'],
    });
    expect(r.issues).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('gives a whole-value reference the YAML type of its content', () => {
    const r = expandEnv({ port: '${env:PORT}', on: '${env:FLAG}', host: '${env:HOST}' }, env);
    expect(r.value).toEqual({ port: 4317, on: true, host: '10.0.0.1' });
    expect(r.typedFromEnv.get('port')).toBe('4317');
  });

  it('expands unset variables to empty with a warning, bare ${X} with a deprecation warning', () => {
    const r = expandEnv({ a: 'x${env:UNSET}y', b: '${HOST}' }, env);
    expect(r.value).toEqual({ a: 'xy', b: '10.0.0.1' });
    expect(r.warnings).toEqual([
      'a: configuration references unset environment variable "UNSET"',
      'b: "${HOST}" without a scheme is deprecated; use "${env:HOST}" instead',
    ]);
  });

  it('rejects other schemes and invalid names with the path', () => {
    const r = expandEnv({ x: { y: '${file:/etc/passwd}', z: '${env:1BAD}' } }, env);
    expect(r.issues.map(formatIssue)).toEqual([
      'x::y: unsupported reference "${file:/etc/passwd}": only the env scheme is supported ("${env:NAME}")',
      'x::z: invalid environment variable name "1BAD" in "${env:1BAD}"',
    ]);
  });

  it('keeps a typed value as its text where the schema wants a string', () => {
    const registry = fakeRegistry();
    registry.exporters.push(
      fakeExporter('typed', ['traces'], z.strictObject({ name: z.string(), port: z.number() })),
    );
    const p = file(
      'typed.yaml',
      `${MINIMAL.replace('exporters: { debug: }', '')}\nexporters:\n  debug:\n  typed: {name: "\${env:PORT}", port: "\${env:PORT}"}\n`,
    );
    const r = loadConfig([p], registry, env);
    expect(r.errors).toEqual([]);
    expect(r.config?.exporters.get('typed')?.config).toEqual({ name: '4317', port: 4317 });
  });
});

describe('validation', () => {
  it('accepts a minimal config, fills defaults and warns about unused components', () => {
    const r = validateConfig(parseYaml(`${MINIMAL}\nprocessors: {batch: }`), fakeRegistry());
    expect(r.errors).toEqual([]);
    expect(r.config?.processors.get('batch')?.config).toEqual({ timeout: '200ms', send_batch_size: 8192 });
    expect(r.config?.pipelines.get('traces')).toEqual({
      id: 'traces',
      signal: 'traces',
      receivers: ['otlp'],
      processors: [],
      exporters: ['debug'],
    });
    expect(r.warnings).toEqual(['processors::batch: processor is configured but not used in any pipeline']);
    expect(r.config?.telemetry).toEqual({
      logs: { level: 'info' },
      metrics: { level: 'normal', addresses: ['localhost:8888'], periodic: [] },
      resource: {},
      resourceRemoved: [],
    });
  });

  it('unknown top-level keys, connectors, bad IDs and unknown types', () => {
    expect(
      errorsOf(`${MINIMAL}
recievers: {}
connectors: {spanmetric: {}}
processors: {"/x": {}, "batch/": {}, batchh: {}}
`),
    ).toEqual([
      "recievers: unknown top-level key (did you mean 'receivers'?)",
      'processors::/x: invalid component ID "/x": the type must not be empty',
      'processors::batch/: invalid component ID "batch/": the name after \'/\' must not be empty',
      'processors::batchh: unknown processor type "batchh" (did you mean \'batch\'?); known processors: batch, k8s_attributes, memory_limiter',
      'connectors::spanmetric: unknown connector type "spanmetric" (did you mean \'spanmetrics\'?); known connectors: count, forward, span_metrics',
    ]);
  });

  it('accepts deprecated type aliases with the collector wording', () => {
    const r = validateConfig(
      parseYaml(`
receivers: {otlp: }
exporters: {otlphttp/backend: {endpoint: "http://x:4318"}}
service: {pipelines: {logs: {receivers: [otlp], exporters: [otlphttp/backend]}}}
`),
      fakeRegistry(),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      'exporters::otlphttp/backend: "otlphttp" alias is deprecated; use "otlp_http" instead',
    ]);
    expect(r.config?.exporters.get('otlphttp/backend')?.factory.type).toBe('otlp_http');
  });

  it('translates schema errors: unknown keys with did-you-mean, wrong types, missing keys, enums', () => {
    expect(
      errorsOf(`
receivers: {otlp: {protocols: {grcp: {}}}}
processors:
  batch: {send_batch_size: "many", timeuot: 1s}
  memory_limiter: {limit_mib: 100}
exporters:
  debug: {verbosity: loud}
  otlp/backend: {endpont: "x:1", tls: {insecure: "yes"}}
service: {pipelines: {traces: {receivers: [otlp], processors: [batch, memory_limiter], exporters: [debug, otlp/backend]}}}
`),
    ).toEqual([
      "receivers::otlp::protocols::grcp: unknown key (did you mean 'grpc'?)",
      'processors::batch::send_batch_size: expected number, got string "many"',
      "processors::batch::timeuot: unknown key (did you mean 'timeout'?)",
      'processors::memory_limiter::check_interval: required key is missing (expected string)',
      'exporters::debug::verbosity: invalid value string "loud": expected one of "basic", "normal", "detailed"',
      'exporters::otlp/backend::endpoint: required key is missing (expected string)',
      'exporters::otlp/backend::tls::insecure: expected boolean, got string "yes"',
      "exporters::otlp/backend::endpont: unknown key (did you mean 'endpoint'?)",
    ]);
  });

  it('pipeline errors: undefined components, unsupported signals, unknown types, duplicates, empty lists', () => {
    expect(
      errorsOf(`
receivers: {otlp: , jaeger: }
processors: {batch: }
exporters: {debug: }
extensions: {health_check: }
service:
  extensions: [health_check, zpages]
  pipelines:
    traces: {receivers: [otlp, jaeger], processors: [batch, batch], exporters: [debug]}
    metrics: {receivers: [jaeger, otpl], exporters: [debgu]}
    logs/x: {receivers: [], exporters: [debug], procesors: []}
    profiles: {receivers: [otlp], exporters: [debug]}
`),
    ).toEqual([
      'service::extensions::1: references extension "zpages" which is not configured',
      'service::pipelines::traces::processors::1: references processor "batch" more than once',
      'service::pipelines::metrics::receivers::0: receiver "jaeger" does not support metrics (it supports traces)',
      `service::pipelines::metrics::receivers::1: references receiver "otpl" which is not configured (did you mean 'otlp'?)`,
      `service::pipelines::metrics::exporters::0: references exporter "debgu" which is not configured (did you mean 'debug'?)`,
      `service::pipelines::logs/x::procesors: unknown key (did you mean 'processors'?)`,
      'service::pipelines::logs/x::receivers: must have at least one receiver',
      'service::pipelines::profiles: unknown pipeline type "profiles" (expected one of traces, metrics, logs)',
    ]);
    expect(errorsOf('receivers: {otlp: }\nexporters: {debug: }')).toEqual([
      'service::pipelines: at least one pipeline must be configured',
    ]);
    // A pipeline without exporters (empty list or key left out) is an error, not a silent sink.
    expect(
      errorsOf(
        'receivers: {otlp: }\nexporters: {debug: }\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: []}\n    logs: {receivers: [otlp]}',
      ),
    ).toEqual([
      'service::pipelines::traces::exporters: must have at least one exporter',
      'service::pipelines::logs::exporters: must have at least one exporter',
    ]);
  });

  it('service.telemetry: old and new metrics forms, levels, unknown keys', () => {
    const tel = (t: string) => validateConfig(parseYaml(`${MINIMAL}\n  telemetry: ${t}`), fakeRegistry());
    const oldForm = tel('{metrics: {address: "0.0.0.0:9999"}, logs: {level: debug, encoding: console}}');
    expect(oldForm.config?.telemetry.metrics.addresses).toEqual(['0.0.0.0:9999']);
    expect(oldForm.config?.telemetry.logs.level).toBe('debug');
    expect(oldForm.warnings).toEqual([
      'service::telemetry::logs::encoding: "console" is not supported; logs are written as JSON (encoding: json)',
      'service::telemetry::metrics::address is deprecated in favor of service::telemetry::metrics::readers',
    ]);
    const newForm = tel(
      '{metrics: {readers: [{pull: {exporter: {prometheus: {host: "::1", port: 9090}}}}]}, resource: {host.name: a}}',
    );
    expect(newForm.config?.telemetry.metrics.addresses).toEqual(['[::1]:9090']);
    expect(newForm.config?.telemetry.resource).toEqual({ 'host.name': 'a' });
    expect(tel('{metrics: {level: none}}').config?.telemetry.metrics.addresses).toEqual([]);
    // As zap: each level in lower or upper case; the metrics level in any case.
    for (const [given, level] of [
      ['DEBUG', 'debug'],
      ['INFO', 'info'],
      ['WARN', 'warn'],
      ['ERROR', 'error'],
      ['warn', 'warn'],
    ])
      expect(tel(`{logs: {level: ${given}}}`).config?.telemetry.logs.level).toBe(level);
    expect(tel('{logs: {level: Warn}}').errors.map(formatIssue)).toEqual([
      'service::telemetry::logs::level: invalid value string "Warn": expected one of "debug", "info", "warn", "error"',
    ]);
    expect(tel('{metrics: {level: Detailed}}').config?.telemetry.metrics.level).toBe('detailed');
    expect(
      tel('{metrics: {level: loud, adress: x}, logs: {levl: info}, traces: {}}').errors.map(formatIssue),
    ).toEqual([
      "service::telemetry::logs::levl: unknown key (did you mean 'level'?)",
      'service::telemetry::metrics::level: invalid value string "loud": expected one of "none", "basic", "normal", "detailed"',
      "service::telemetry::metrics::adress: unknown key (did you mean 'address'?)",
      'service::telemetry::traces: unknown key (valid keys: logs, metrics, resource)',
    ]);
    expect(tel('{metrics: {readers: [{periodic: {}}]}}').errors.map(formatIssue)).toEqual([
      'service::telemetry::metrics::readers::0::periodic::exporter: required key is missing (expected map)',
    ]);
  });

  it('service.telemetry: OTLP push readers in the v0.2/v0.3 (otlp + protocol) and v1 (otlp_http, otlp_grpc) forms', () => {
    const tel = (t: string) => validateConfig(parseYaml(`${MINIMAL}\n  telemetry: ${t}`), fakeRegistry());
    const r = tel(`
      metrics:
        readers:
          - periodic:
              interval: 5000
              exporter:
                otlp:
                  protocol: http/protobuf
                  endpoint: http://collector:4318
                  headers: [{name: x-key, value: k1}]
          - periodic:
              exporter:
                otlp: {protocol: grpc, endpoint: "collector:4317", insecure: true, headers: {a: b}, compression: gzip}
          - periodic:
              exporter: {otlp_http: {endpoint: "https://ingest.example:443/custom/path", headers_list: "k=v,x=y", timeout: 500}}
          - periodic:
              exporter: {otlp_grpc: {endpoint: "https://ingest.example:443", temporality_preference: delta}}
          - pull: {exporter: {prometheus/development: {host: 0.0.0.0, port: 9999}}}`);
    expect(r.errors).toEqual([]);
    const base = { compression: 'none', intervalMs: 60_000, timeoutMs: 10_000, temporality: 'cumulative' };
    expect(r.config?.telemetry.metrics.periodic).toEqual([
      {
        ...base,
        protocol: 'http/protobuf',
        endpoint: 'http://collector:4318/v1/metrics',
        insecure: true,
        headers: { 'x-key': 'k1' },
        intervalMs: 5000,
      },
      {
        ...base,
        protocol: 'grpc',
        endpoint: 'collector:4317',
        insecure: true,
        headers: { a: 'b' },
        compression: 'gzip',
      },
      {
        ...base,
        protocol: 'http/protobuf',
        endpoint: 'https://ingest.example/custom/path',
        insecure: false,
        headers: { k: 'v', x: 'y' },
        timeoutMs: 500,
      },
      {
        ...base,
        protocol: 'grpc',
        endpoint: 'ingest.example:443',
        insecure: false,
        headers: {},
        temporality: 'delta',
      },
    ]);
    expect(r.config?.telemetry.metrics.addresses).toEqual(['0.0.0.0:9999']);
    // A bare host:port for http/protobuf gets https:// unless insecure (the collector's normalization).
    const bare = tel(
      '{metrics: {readers: [{periodic: {exporter: {otlp: {protocol: http/protobuf, endpoint: "c:4318"}}}}]}}',
    );
    expect(bare.config?.telemetry.metrics.periodic[0].endpoint).toBe('https://c:4318/v1/metrics');
    expect(
      tel(
        '{metrics: {level: none, readers: [{periodic: {exporter: {otlp: {protocol: grpc, endpoint: "c:1"}}}}]}}',
      ).config?.telemetry.metrics,
    ).toEqual({ level: 'none', addresses: [], periodic: [] });
    expect(
      tel(
        '{metrics: {readers: [{periodic: {exporter: {otlp: {protocol: http/json, endpoint: x}, otlp_grpc: {endpoint: y}}}}, {pull: {}, periodic: {exporter: {console: {}}}}]}}',
      ).errors.map(formatIssue),
    ).toEqual([
      'service::telemetry::metrics::readers::0::periodic::exporter::otlp::protocol: invalid value string "http/json": expected one of "http/protobuf", "grpc", "grpc/protobuf"',
      'service::telemetry::metrics::readers::1::pull::exporter: required key is missing (expected map)',
      'service::telemetry::metrics::readers::1::periodic::exporter::console: unknown key (valid keys: otlp, otlp_http, otlp_grpc)',
      'service::telemetry::metrics::readers::1::periodic::exporter: a periodic reader needs exactly one exporter: otlp, otlp_http or otlp_grpc',
    ]);
    // An empty readers list with metrics on is refused, as the collector does.
    expect(tel('{metrics: {readers: []}}').errors.map(formatIssue)).toEqual([
      'service::telemetry::metrics::readers: collector telemetry metrics reader should exist when metric level is not none',
    ]);
  });

  it('service.telemetry: resource in the map and the declarative form; logs.level "" is info', () => {
    const tel = (t: string) => validateConfig(parseYaml(`${MINIMAL}\n  telemetry: ${t}`), fakeRegistry());
    const declarative = tel(
      '{resource: {schema_url: "https://opentelemetry.io/schemas/1.26.0", attributes: [{name: service.name, value: gw}, {name: replicas, value: 3, type: int}, {name: service.version, value: null}], k8s.pod.name: p, service.instance.id: null}}',
    );
    expect(declarative.errors).toEqual([]);
    expect(declarative.config?.telemetry).toMatchObject({
      resource: { 'service.name': 'gw', replicas: '3', 'k8s.pod.name': 'p' },
      resourceRemoved: ['service.version', 'service.instance.id'],
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    });
    expect(
      tel('{resource: {attributes_list: "a=b", attributes: [{value: 1}], x: 5}}').errors.map(formatIssue),
    ).toEqual([
      'service::telemetry::resource::attributes_list: resource::attributes_list is not currently supported, please use resource::attributes',
      'service::telemetry::resource::attributes::0::name: Invalid input: expected string, received undefined',
      'service::telemetry::resource::x: a resource attribute in the map form must be a string or null',
    ]);
    expect(tel('{logs: {level: ""}}').config?.telemetry.logs.level).toBe('info');
    expect(
      tel(
        '{logs: {level: info, development: false, sampling: {enabled: true, tick: 10s}, output_paths: [stderr], error_output_paths: [stdout]}}',
      ).errors.map(formatIssue),
    ).toEqual([
      'service::telemetry::logs::error_output_paths: only [stderr] is supported for error_output_paths',
    ]);
  });

  it('a component type that does not support a signal, through a real registry entry', () => {
    const registry = fakeRegistry();
    registry.receivers.push(fakeReceiver('logsonly', ['logs']));
    expect(
      errorsOf(
        'receivers: {logsonly: }\nexporters: {debug: }\nservice: {pipelines: {traces: {receivers: [logsonly], exporters: [debug]}}}',
        registry,
      ),
    ).toEqual([
      'service::pipelines::traces::receivers::0: receiver "logsonly" does not support traces (it supports logs)',
    ]);
  });
});
