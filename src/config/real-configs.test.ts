// The collector's own example configs and rendered Helm chart configs,
// validated against fakes of the components tsunagi ships (with their types
// and aliases): the only errors are the parts tsunagi does not support.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  fakeExporter,
  fakeExtension,
  fakeProcessor,
  fakeReceiver,
} from '../../test/support/fake-factories.js';
import type { Registry } from '../component/component.js';
import { expandEnv } from './expand.js';
import { formatIssue } from './issues.js';
import { validateConfig } from './validate.js';

const any = z.any();
const registry: Registry = {
  receivers: [
    fakeReceiver('otlp', undefined, any),
    fakeReceiver('jaeger', ['traces'], any),
    fakeReceiver('file_log', ['logs'], any, ['filelog']),
  ],
  processors: ['attributes', 'batch', 'memory_limiter', 'resource', 'tracelink'].map((t) =>
    fakeProcessor(t, undefined, any),
  ),
  exporters: [
    fakeExporter('debug', undefined, any),
    fakeExporter('otlp_grpc', undefined, any, ['otlp']),
    fakeExporter('otlp_http', undefined, any, ['otlphttp']),
    fakeExporter('loki', ['logs'], any),
    fakeExporter('elasticsearch', undefined, any),
  ],
  extensions: [fakeExtension('health_check', any), fakeExtension('file_storage', any)],
  connectors: [],
};

const FULL = new URL('../../test/fixtures/collector-configs/full/', import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, FULL), 'utf8');

/** The collector config inside a file: the whole file, a ConfigMap's data entry, or a CR's spec.config. */
function configsIn(rel: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(read(rel))) {
    const d = doc.toJS() as any;
    if (!d) continue;
    if (d.kind === 'ConfigMap') for (const v of Object.values(d.data ?? {})) out.push(parseYaml(v as string));
    else if (d.kind === 'OpenTelemetryCollector') out.push(d.spec.config);
    else if (!d.kind) out.push(d);
  }
  return out;
}

function check(rel: string): { errors: string[]; warnings: string[] }[] {
  return configsIn(rel).map((raw) => {
    const env = { MY_POD_IP: '10.1.2.3', OTEL_K8S_NODE_NAME: 'node-1' };
    const x = expandEnv(raw, env);
    const r = validateConfig(x.value, registry, { typedFromEnv: x.typedFromEnv });
    return { errors: [...x.issues, ...r.errors].map(formatIssue), warnings: r.warnings };
  });
}

const UNKNOWN_RECEIVER = 'known receivers: file_log, jaeger, otlp';
const UNKNOWN_EXTENSION = 'known extensions: file_storage, health_check';
const UNKNOWN_PROCESSOR = 'known processors: attributes, batch, memory_limiter, resource, tracelink';

describe('real collector configs', () => {
  it('collector examples/local: only zpages is unsupported (reported once, not again where it is referenced)', () => {
    const [r] = check('opentelemetry-collector/examples/local/otel-config.yaml');
    expect(r.errors).toEqual([`extensions::zpages: unknown extension type "zpages"; ${UNKNOWN_EXTENSION}`]);
  });

  it('collector examples/k8s (two ConfigMaps): zpages, and the otlp_grpc exporter type is known', () => {
    const results = check('opentelemetry-collector/examples/k8s/otel-config.yaml');
    expect(results).toHaveLength(2);
    for (const r of results)
      expect(r.errors).toEqual([`extensions::zpages: unknown extension type "zpages"; ${UNKNOWN_EXTENSION}`]);
  });

  it('helm daemonset-and-deployment: prometheus and zipkin receivers are unsupported; otlp alias warns', () => {
    const [agent] = check(
      'opentelemetry-helm-charts/charts/opentelemetry-collector/examples/daemonset-and-deployment/rendered/configmap-agent.yaml',
    );
    expect(agent.errors).toEqual([
      `receivers::prometheus: unknown receiver type "prometheus"; ${UNKNOWN_RECEIVER}`,
      `receivers::zipkin: unknown receiver type "zipkin"; ${UNKNOWN_RECEIVER}`,
    ]);
    expect(agent.warnings).toContain('exporters::otlp: "otlp" alias is deprecated; use "otlp_grpc" instead');
  });

  it('helm daemonset-collector-logs: file_log is known; telemetry readers and resource are accepted', () => {
    const [r] = check(
      'opentelemetry-helm-charts/charts/opentelemetry-collector/examples/daemonset-collector-logs/rendered/configmap-agent.yaml',
    );
    expect(r.errors).toEqual([
      `receivers::prometheus: unknown receiver type "prometheus"; ${UNKNOWN_RECEIVER}`,
      `receivers::zipkin: unknown receiver type "zipkin"; ${UNKNOWN_RECEIVER}`,
    ]);
  });

  it('helm kubernetesAttributes: k8s_attributes unsupported, and the undefined `resource` processor the chart references', () => {
    const [r] = check(
      'opentelemetry-helm-charts/charts/opentelemetry-collector/examples/kubernetesAttributes/rendered/configmap.yaml',
    );
    expect(r.errors).toEqual([
      `receivers::prometheus: unknown receiver type "prometheus"; ${UNKNOWN_RECEIVER}`,
      `receivers::zipkin: unknown receiver type "zipkin"; ${UNKNOWN_RECEIVER}`,
      `processors::k8s_attributes: unknown processor type "k8s_attributes"; ${UNKNOWN_PROCESSOR}`,
      'service::pipelines::traces::processors::0: references processor "resource" which is not configured',
    ]);
  });

  it('helm kube-stack collector CR: every contrib-only component is reported', () => {
    const [r] = check(
      'opentelemetry-helm-charts/charts/opentelemetry-kube-stack/examples/default/rendered/collector.yaml',
    );
    expect(r.errors).toMatchInlineSnapshot(`
      [
        "receivers::host_metrics: unknown receiver type "host_metrics"; known receivers: file_log, jaeger, otlp",
        "receivers::k8s_cluster: unknown receiver type "k8s_cluster"; known receivers: file_log, jaeger, otlp",
        "receivers::k8s_objects: unknown receiver type "k8s_objects"; known receivers: file_log, jaeger, otlp",
        "receivers::kubelet_stats: unknown receiver type "kubelet_stats"; known receivers: file_log, jaeger, otlp",
        "receivers::prometheus: unknown receiver type "prometheus"; known receivers: file_log, jaeger, otlp",
        "processors::k8s_attributes: unknown processor type "k8s_attributes"; known processors: attributes, batch, memory_limiter, resource, tracelink",
        "processors::resource_detection/env: unknown processor type "resource_detection"; known processors: attributes, batch, memory_limiter, resource, tracelink",
        "extensions::k8s_leader_elector/k8s_cluster: unknown extension type "k8s_leader_elector"; known extensions: file_storage, health_check",
        "extensions::k8s_leader_elector/k8s_objects: unknown extension type "k8s_leader_elector"; known extensions: file_storage, health_check",
      ]
    `);
  });
});
