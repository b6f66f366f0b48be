// Every collector config under ../shared/conformance/collector-configs/ —
// full deployment configs (Helm chart, collector examples, operator CR) and
// each component's upstream config fixture — must validate with the real
// registry and start with the binary. What cannot yet is listed here
// EXACTLY, per file: only "component not built yet" errors (an unknown
// component type, connectors, authenticator extensions, a signal an
// existing component does not have yet, a resource detector not built yet)
// may be listed; any other error
// fails. An entry that stops failing fails too ("remove it from PENDING"),
// so this list shrinks as components land and never goes stale. Entries the
// collector itself refuses (its config_test.go verdicts) must stay refused.

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  CONFORMANCE_ENV,
  configFiles,
  errorsOf,
  FIXTURES,
  fixtureEntries,
  fullConfigsIn,
  stable,
  wrapFixture,
} from './support/conformance-configs.js';
import { freePort } from './support/ports.js';
import { startTsunagi } from './support/tsunagi-process.js';

/** Fixture entries the collector refuses (the component's upstream config_test.go). */
const UPSTREAM_INVALID: Record<string, string[]> = {
  'healthcheckextension.yaml': [
    'health_check/missingendpoint',
    'health_check/invalidthreshold',
    'health_check/invalidpath',
  ],
  'jaegerreceiver.yaml': [
    'jaeger/empty',
    'jaeger/typo_default_proto_config',
    'jaeger/no_proto_config',
    'jaeger/bad_proto_config',
  ],
  'k8sattributesprocessor.yaml': [
    'k8s_attributes/too_many_sources',
    'k8s_attributes/bad_keys_labels',
    'k8s_attributes/bad_keys_annotations',
    'k8s_attributes/bad_from_labels',
    'k8s_attributes/bad_from_annotations',
    'k8s_attributes/bad_keyregex_labels',
    'k8s_attributes/bad_keyregex_annotations',
    'k8s_attributes/bad_filter_label_op',
    'k8s_attributes/bad_filter_field_op',
    'k8s_attributes/bad_metadata_field',
    'k8s_attributes/bad_watch_sync_period',
    'k8s_attributes/bad_pod_delete_grace_period',
  ],
  'resourceprocessor.yaml': ['resource/empty'],
  'filterprocessor.yaml': [
    'filter/spans_mix_config',
    'filter/metrics_mix_config',
    'filter/logs_mix_config',
    'filter/bad_syntax_span',
    'filter/bad_syntax_spanevent',
    'filter/bad_syntax_metric',
    'filter/bad_syntax_datapoint',
    'filter/bad_syntax_log',
  ],
  'transformprocessor.yaml': [
    'transform/bad_syntax_log',
    'transform/bad_syntax_metric',
    'transform/bad_syntax_trace',
    'transform/bad_syntax_multi_signal',
    'transform/unknown_function_log',
    'transform/unknown_function_metric',
    'transform/unknown_function_trace',
    'transform/unknown_context',
    'transform/unknown_error_mode',
    'transform/mixed_configuration_styles',
  ],
  'prometheusremotewriteexporter.yaml': [
    'prometheus_remote_write/negative_queue_size',
    'prometheus_remote_write/negative_num_consumers',
    'prometheus_remote_write/less_than_1_max_batch_request_parallelism',
    'prometheus_remote_write/non_snappy_compression_type',
    'prometheus_remote_write/unknown_protobuf_message',
    'prometheus_remote_write/invalid_translation_strategy',
    'prometheus_remote_write/v1_no_utf8',
    'prometheus_remote_write/v1_no_translation',
  ],
};

/** Full configs the collector refuses too, with the error it gives (the Helm example references an undefined processor). */
const UPSTREAM_INVALID_FULL: Record<string, string[]> = {
  'full/opentelemetry-helm-charts/charts/opentelemetry-collector/examples/kubernetesAttributes/rendered/configmap.yaml [ConfigMap example-opentelemetry-collector relay]':
    ['service::pipelines::traces::processors::0: references processor "resource" which is not configured'],
};

/** Fixtures whose component type is not built yet: every valid entry's only error is its unknown type. */
const FIXTURE_TYPE_NOT_BUILT: Record<string, string> = {};

/** Remaining errors of valid configs and entries, per file and config/entry, that wait for a component. */
const PENDING: Record<string, Record<string, string[]>> = {};

/** Extension types that listen on a default port when the config names none (health_check: 13133). */
const DEFAULT_PORT_EXTENSIONS = ['health_check', 'zpages', 'pprof'];

/**
 * Valid upstream, refused by a component Tsunagi has, on purpose or for a feature it lacks: listed
 * with the reason, for a decision. (Upstream these fixture entries are unit-test configs: a
 * bare prometheus exporter would listen on a random port, a bare remote-write exporter has no URL.)
 */
const REFUSED_BY_TSUNAGI: Record<string, Record<string, { reason: string; errors: string[] }>> = {
  // Unit-test fixtures that name an authenticator no config defines: the collector's
  // `validate` passes them and its start fails ("authenticator not found"); Tsunagi's
  // validate checks every `auth` against the configured extensions.
  'otlpreceiver.yaml': {
    otlp: {
      reason: 'names authenticator "test", which is not a configured extension',
      errors: [
        'receivers::otlp::protocols::http::auth::authenticator: authenticator "test" is not a configured extension',
      ],
    },
  },
  'otlpexporter.yaml': {
    otlp_grpc: {
      reason: 'names authenticator "nop", which is not a configured extension',
      errors: [
        'exporters::otlp_grpc::auth::authenticator: authenticator "nop" is not a configured extension',
      ],
    },
  },
  'prometheusremotewriteexporter.yaml': {
    prometheus_remote_write: {
      reason: 'endpoint is required by Tsunagi (the collector accepts none and fails on send)',
      errors: ['exporters::prometheus_remote_write::endpoint: endpoint is required (the remote write URL)'],
    },
    'prometheus_remote_write/translation_strategy': {
      reason: 'Prometheus Remote Write 2.0 (io.prometheus.write.v2.Request) is not built',
      errors: [
        'exporters::prometheus_remote_write/translation_strategy::protobuf_message: remote write v2 is not supported; use prometheus.WriteRequest (remote write 1.0)',
        'exporters::prometheus_remote_write/translation_strategy::translation_strategy: translation strategy NoTranslation requires Prometheus Remote Write 2.0 (UTF-8 support)',
      ],
    },
  },
};

/** Files the binary cannot be started with here, and why (validation still runs). */
const START_SKIPPED: Record<string, string> = {
  'k8sattributesprocessor.yaml':
    'k8s_attributes needs a Kubernetes API server (tested against a stand-in in its folder)',
  'full/opentelemetry-helm-charts/charts/opentelemetry-kube-stack/examples/default/rendered/collector.yaml':
    'resource_detection with the k8s_api detector reads the node and kube-system from a Kubernetes API server at start (tested against a stand-in in its folder)',
};

/** An error that only waits for a component (type, connector, authenticator, signal) to be built. */
function waitsForComponent(line: string): boolean {
  return (
    /: unknown (receiver|processor|exporter|extension|connector) type "[^"]+"$/.test(line) ||
    /^connectors: connectors are not supported yet/.test(line) ||
    /\(it is a connector; connectors are not supported yet\)$/.test(line) ||
    /: (receiver|processor|exporter) "[^"]+" does not support (traces|metrics|logs)$/.test(line) ||
    /::detectors::\d+: the [a-z0-9_]+ detector is not supported yet$/.test(line)
  );
}

/** Error lines without their changing tails (the known-types list, valid keys, the signals a component has). */
function normalized(line: string): string {
  return stable(line)
    .replace(/ \(valid keys: [^)]*\)$/, '')
    .replace(/ \(did you mean '[^']*'\?\)$/, '')
    .replace(/ \(it supports [a-z, ]+\)$/, '')
    .replace(/ \(built: [a-z0-9_, ]+\)$/, '');
}

interface Case {
  file: string;
  name: string;
  config: unknown;
  valid: boolean;
  /** Errors it has today: waiting for a component, or REFUSED_BY_TSUNAGI. */
  expected: string[];
  /** From REFUSED_BY_TSUNAGI (not "waiting for a component"). */
  refused?: boolean;
}

/** Every config and fixture entry with the errors it must have today. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const file of configFiles()) {
    if (file.startsWith('full/')) {
      for (const c of fullConfigsIn(file)) {
        const key = `${file} [${c.name}]`;
        const invalid = UPSTREAM_INVALID_FULL[key];
        out.push({
          file,
          name: c.name,
          config: c.config,
          valid: !invalid,
          expected: [...(PENDING[file]?.[c.name] ?? []), ...(invalid ?? [])],
        });
      }
      continue;
    }
    const meta = FIXTURES[file];
    if (!meta) throw new Error(`${file}: a fixture without an entry in FIXTURES (conformance-configs.ts)`);
    const notBuilt = FIXTURE_TYPE_NOT_BUILT[file];
    for (const [id, cfg] of fixtureEntries(file)) {
      const valid = !UPSTREAM_INVALID[file]?.includes(id);
      const kind = meta.section.slice(0, -1);
      const refused = REFUSED_BY_TSUNAGI[file]?.[id];
      const expected = notBuilt
        ? [`${meta.section}::${id}: unknown ${kind} type "${notBuilt}"`]
        : (refused?.errors ?? PENDING[file]?.[id] ?? []);
      out.push({
        file,
        name: id,
        config: wrapFixture(file, [[id, cfg]]),
        valid,
        expected,
        refused: !!refused,
      });
    }
  }
  return out;
}

const ALL = cases();

describe('collector configs validate (remaining errors only wait for components)', () => {
  it('covers every file of the conformance set', () => {
    const files = new Set(ALL.map((c) => c.file));
    expect([...files].sort()).toEqual(configFiles().sort());
    expect(files.size).toBeGreaterThanOrEqual(28);
    // Every listed pending file exists (a renamed file must not leave a silent entry behind).
    for (const f of [...Object.keys(PENDING), ...Object.keys(UPSTREAM_INVALID)])
      expect(files.has(f), f).toBe(true);
  });

  it('every pending line is a "component not built yet" error', () => {
    for (const c of ALL)
      if (c.valid && !c.refused)
        for (const l of c.expected) expect(waitsForComponent(l), `${c.file} [${c.name}]: ${l}`).toBe(true);
  });

  for (const c of ALL.filter((x) => x.valid)) {
    it(`${c.file} [${c.name}]`, () => {
      const got = errorsOf(c.config).map(normalized);
      const unexpected = got.filter((l) => !c.expected.includes(l));
      const fixed = c.expected.filter((l) => !got.includes(l));
      expect(unexpected, 'errors that do not only wait for a component').toEqual([]);
      expect(fixed, 'no longer failing: remove these lines from PENDING / REFUSED_BY_TSUNAGI').toEqual([]);
    });
  }

  for (const c of ALL.filter((x) => !x.valid)) {
    it(`${c.file} [${c.name}] is refused, as by the collector`, () => {
      const got = errorsOf(c.config).map(normalized);
      expect(got.length).toBeGreaterThan(0);
      for (const l of c.expected) expect(got).toContain(l);
    });
  }
});

// Starting: each file whose valid configs have no pending error runs in the binary (one process per
// file: its valid entries together). Servers move to free ports on 127.0.0.1, paths to temp files.
describe('collector configs start with the binary', () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsunagi-conformance-start-'));
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
      ],
      { stdio: 'ignore' },
    );
  });
  const stops: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const s of stops) await s();
  });

  /** The config with servers on free local ports, files and directories that exist. */
  async function runnable(config: any): Promise<any> {
    const c = structuredClone(config);
    const rewrite = async (v: any, section: string, path: string[]): Promise<void> => {
      if (v === null || typeof v !== 'object') return;
      // (exporters that serve: the prometheus pull exporter)
      const server =
        section === 'receivers' ||
        section === 'extensions' ||
        (section === 'exporters' && path[0].split('/')[0] === 'prometheus');
      // A receiver protocol with no endpoint listens on its default port: give it a free one.
      if (server && path.at(-2) === 'protocols' && !Array.isArray(v) && v.endpoint === undefined)
        v.endpoint = `127.0.0.1:${await freePort()}`;
      for (const [k, value] of Object.entries(v)) {
        let x = value;
        if (server && path.at(-1) === 'protocols' && x === null) v[k] = x = {};
        if (typeof x === 'string') {
          if (server && ['endpoint', 'listen_address'].includes(k) && /^[^/]*:\d+$/.test(x))
            v[k] = `127.0.0.1:${await freePort()}`;
          else if (['cert_file', 'client_ca_file', 'ca_file'].includes(k)) v[k] = cert;
          else if (k === 'key_file') v[k] = key;
          else if (k === 'directory') v[k] = mkdtempSync(join(dir, 'storage-'));
        } else await rewrite(x, section, [...path, k]);
      }
    };
    for (const section of ['receivers', 'extensions', 'exporters', 'processors'])
      if (c[section])
        for (const [id, cfg] of Object.entries(c[section])) {
          // Extensions that serve on a default port when no endpoint is given.
          if (section === 'extensions' && DEFAULT_PORT_EXTENSIONS.includes(id.split('/')[0])) {
            c[section][id] ??= {};
            c[section][id].endpoint ??= 'localhost:0';
          }
          await rewrite(c[section][id] ?? cfg, section, [id]);
        }
    c.service ??= {};
    c.service.telemetry ??= {};
    c.service.telemetry.metrics = {
      ...(c.service.telemetry.metrics ?? {}),
      readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: await freePort() } } } }],
    };
    delete c.service.telemetry.metrics.address;
    return c;
  }

  const byFile = new Map<string, Case[]>();
  for (const c of ALL) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  for (const [file, list] of byFile) {
    const valid = list.filter((c) => c.valid);
    const pending = valid.some((c) => c.expected.length > 0);
    if (pending || valid.length === 0 || START_SKIPPED[file]) continue;
    it.concurrent(`${file} starts and stops cleanly`, async () => {
      const configs = file.startsWith('full/')
        ? valid.map((c) => c.config)
        : [
            wrapFixture(
              file,
              fixtureEntries(file).filter(([id]) => valid.some((c) => c.name === id)),
            ),
          ];
      for (const config of configs) {
        const t = await startTsunagi(stringify(await runnable(config)), CONFORMANCE_ENV);
        stops.push(() => t.stop());
        expect(await t.stop()).toBe(0);
      }
    });
  }

  it('skips only files it says why for', () => {
    for (const f of Object.keys(START_SKIPPED)) expect(byFile.has(f), f).toBe(true);
  });
});
