// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests are about ${env:X} references
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { expandEnv } from '../../src/config/expand.js';
import { formatIssue } from '../../src/config/issues.js';
import { translateZodError } from '../../src/config/zod-issues.js';
import { factory } from './factory.js';

const parse = (yaml: string, env: Record<string, string> = {}) => {
  const x = expandEnv(parseYaml(yaml), env);
  return factory.configSchema.safeParse(x.value);
};
const errors = (yaml: string) => {
  const input = expandEnv(parseYaml(yaml), {}).value;
  const r = factory.configSchema.safeParse(input);
  return r.success
    ? []
    : translateZodError('receivers::prometheus', r.error, factory.configSchema, input).map(formatIssue);
};

describe('prometheus receiver config', () => {
  it('resolves scrape configs against global as Prometheus does', () => {
    const r = parse(`
config:
  global: { scrape_interval: 15s, external_labels: { cluster: c1 } }
  scrape_configs:
    - job_name: a
      static_configs: [{ targets: ['h:1'] }]
    - job_name: b
      scrape_interval: 5s
      scheme: https
      metrics_path: /m
      params: { module: [x] }
    - job_name: c
      scrape_interval: 1h30m
      scrape_timeout: 1m
`);
    expect(r.success).toBe(true);
    const [a, b, c] = r.data?.config?.scrapeConfigs ?? [];
    expect(a).toMatchObject({
      jobName: 'a',
      intervalMs: 15_000,
      timeoutMs: 10_000,
      metricsPath: '/metrics',
      scheme: 'http',
    });
    expect(a.honorTimestamps).toBe(true);
    expect(a.honorLabels).toBe(false);
    expect(b).toMatchObject({
      intervalMs: 5000,
      timeoutMs: 5000,
      scheme: 'https',
      metricsPath: '/m',
      params: { module: ['x'] },
    });
    expect(c).toMatchObject({ intervalMs: 5_400_000, timeoutMs: 60_000 });
    expect(r.data?.config?.externalLabels).toEqual({ cluster: 'c1' });
    expect(r.data?.trim_metric_suffixes).toBe(false);
  });

  it('defaults: 1m interval, 10s timeout', () => {
    const r = parse('config: { scrape_configs: [{ job_name: a }] }');
    expect(r.data?.config?.scrapeConfigs[0]).toMatchObject({ intervalMs: 60_000, timeoutMs: 10_000 });
  });

  it('$$ escapes $ so relabel rules keep $1; ${env:...} works inside', () => {
    const r = parse(
      `
config:
  scrape_configs:
    - job_name: \${env:JOB}
      static_configs: [{ targets: ['\${env:HOST}:9100'] }]
      relabel_configs:
        - source_labels: [__address__]
          regex: '(.*):.*'
          target_label: host
          replacement: '$$1'
`,
      { JOB: 'node', HOST: '10.1.2.3' },
    );
    expect(r.success).toBe(true);
    const sc = r.data?.config?.scrapeConfigs[0];
    expect(sc?.jobName).toBe('node');
    expect(sc?.staticConfigs[0].targets).toEqual(['10.1.2.3:9100']);
    expect(sc?.relabel[0].replacement).toBe('$1');
  });

  it('reports errors with their path, Prometheus messages and did-you-mean', () => {
    expect(errors('config: { scrape_configs: [] }')).toEqual([
      'receivers::prometheus::config: no Prometheus scrape_configs or target_allocator set',
    ]);
    expect(errors('{}')).toEqual([
      'receivers::prometheus::config: no Prometheus scrape_configs or target_allocator set',
    ]);
    expect(errors('config: { scrape_configs: [{ job_name: a, scrape_intervall: 5s }] }')[0]).toMatch(
      /^receivers::prometheus::config::scrape_configs::0::scrape_intervall: unknown key \(did you mean .scrape_interval.\?\)$/,
    );
    expect(
      errors('config: { scrape_configs: [{ job_name: a, scrape_interval: 5s, scrape_timeout: 10s }] }'),
    ).toEqual([
      'receivers::prometheus::config::scrape_configs::0::scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "a"',
    ]);
    expect(errors('config: { scrape_configs: [{ job_name: a }, { job_name: a }] }')).toEqual([
      'receivers::prometheus::config::scrape_configs::1::job_name: found multiple scrape configs with job name "a"',
    ]);
    expect(errors('config: { scrape_configs: [{ job_name: a, scrape_interval: 1.5s }] }')[0]).toMatch(
      /not a valid duration string: "1.5s"/,
    );
    expect(
      errors(
        "config: { scrape_configs: [{ job_name: a, static_configs: [{ targets: ['http://x:1'] }] }] }",
      )[0],
    ).toMatch(/"http:\/\/x:1" is not a valid hostname/);
    expect(errors('config: { scrape_configs: [{ job_name: a, consul_sd_configs: [{}] }] }')[0]).toMatch(
      /consul_sd_configs is not supported/,
    );
    expect(errors('config: { remote_write: [{ url: x }], scrape_configs: [{ job_name: a }] }')[0]).toMatch(
      /remote_write is not supported/,
    );
    expect(
      errors(
        'config: { scrape_configs: [{ job_name: a, basic_auth: { username: u }, bearer_token: t }] }',
      )[0],
    ).toMatch(/at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured/);
    expect(
      errors('config: { scrape_configs: [{ job_name: a, kubernetes_sd_configs: [{ role: ingress }] }] }')[0],
    ).toMatch(/role "ingress" is not supported by tsunagi yet/);
    expect(
      errors(
        'config: { scrape_configs: [{ job_name: a, kubernetes_sd_configs: [{ role: pod, bearer_token: x }] }] }',
      )[0],
    ).toMatch(/provide the 'api_server' URL explicitly/);
    expect(
      errors("config: { scrape_configs: [{ job_name: a, file_sd_configs: [{ files: ['/x/*.txt'] }] }] }")[0],
    ).toMatch(/path name "\/x\/\*.txt" is not valid for file discovery/);
    expect(
      errors('config: { scrape_configs: [{ job_name: a, scrape_protocols: [PrometheusProto] }] }')[0],
    ).toMatch(/PrometheusProto scrape protocol .* is not supported/);
    expect(
      errors('target_allocator: { endpoint: http://ta }\nconfig: { scrape_configs: [{ job_name: a }] }')[0],
    ).toMatch(/target_allocator is not supported/);
  });

  it('accepts the prometheus receivers of the rendered Helm chart configs', () => {
    const files = [
      'opentelemetry-helm-charts/charts/opentelemetry-kube-stack/examples/default/rendered/collector.yaml',
      'opentelemetry-helm-charts/charts/opentelemetry-collector/examples/daemonset-and-deployment/rendered/configmap-agent.yaml',
    ];
    let found = 0;
    for (const f of files) {
      const text = readFileSync(
        new URL(`../../test/fixtures/collector-configs/full/${f}`, import.meta.url),
        'utf8',
      );
      for (const doc of parseAllDocuments(text)) {
        const d = doc.toJS() as any;
        const cfgs =
          d?.kind === 'ConfigMap'
            ? Object.values(d.data ?? {}).map((v) => parseYaml(v as string))
            : [d?.spec?.config];
        for (const c of cfgs) {
          const rx = c?.receivers?.prometheus;
          if (!rx) continue;
          const x = expandEnv(rx, { MY_POD_IP: '10.1.2.3', OTEL_K8S_NODE_NAME: 'node-1' });
          const r = factory.configSchema.safeParse(x.value);
          expect(r.success, `${f}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
          found++;
        }
      }
    }
    expect(found).toBe(2);
  });
});
