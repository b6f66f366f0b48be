// The manifests we ship (config/kubernetes/, `kubectl apply -k`): every file
// parses, kustomize can load what the kustomization references, the agent gets
// what it needs to read logs, keep checkpoints and enrich with pod metadata,
// and the gateway it exports to listens where the agents send, with a queue
// volume per replica. kubectl is used only when installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { registry } from '../app/registry.js';
import { commandNodeFlags } from '../bench/lib/manifest-flags.js';
import { runCli } from '../src/cli/cli.js';
import { silentLogger } from '../src/telemetry/logger.js';

const DIR = fileURLToPath(new URL('../config/kubernetes/', import.meta.url));
const SOURCE_CONFIG = fileURLToPath(new URL('../config/agent.yaml', import.meta.url));
const GATEWAY_CONFIG = fileURLToPath(new URL('../config/gateway.yaml', import.meta.url));
/** The config copies the ConfigMaps are generated from (not manifests). */
const CONFIG_COPIES = ['agent.yaml', 'gateway.yaml'];

type Doc = Record<string, any>;

function docsOf(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  for (const d of docs) expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d != null);
}

const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as Doc;
const generator = (kustomization.configMapGenerator as Doc[]).find((g) => g.name === 'tsunagi-agent') as Doc;
const resources = (kustomization.resources as string[]).flatMap(docsOf);
const find = (kind: string) => {
  const d = resources.find((r) => r.kind === kind);
  if (!d) throw new Error(`no ${kind} in ${kustomization.resources}`);
  return d;
};
const ds = find('DaemonSet');
const pod = ds.spec.template.spec;
const agent = (pod.containers as Doc[]).find((c) => c.name === 'agent') as Doc;
const volumeOf = (mountPath: string) => {
  const m = (agent.volumeMounts as Doc[]).find((v) => v.mountPath === mountPath);
  return { mount: m, volume: m && (pod.volumes as Doc[]).find((v) => v.name === m.name) };
};

/** A Kubernetes memory quantity (Mi, Gi) in bytes. */
const parseQuantity = (q: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * 1024 ** (m[2] === 'Gi' ? 3 : 2);
};

/** `key=path` or `path` → path. */
const generatorFile = (entry: string) => entry.split('=').at(-1) as string;
const generatorKey = (entry: string) => (entry.includes('=') ? entry.split('=')[0] : entry);

describe('config/kubernetes (kubectl apply -k)', () => {
  it('every manifest parses and names its apiVersion and kind', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !CONFIG_COPIES.includes(f));
    expect(files).toContain('kustomization.yaml');
    for (const f of files)
      for (const d of docsOf(f)) {
        expect(d.apiVersion, f).toBeTypeOf('string');
        expect(d.kind, f).toBeTypeOf('string');
      }
  });

  it('references only files inside config/kubernetes (kustomize refuses anything else)', () => {
    const files = [
      ...(kustomization.resources as string[]),
      ...(kustomization.configMapGenerator as Doc[]).flatMap((g) => (g.files ?? []).map(generatorFile)),
    ];
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const abs = resolve(DIR, f);
      expect(existsSync(abs), `${f} exists`).toBe(true);
      const rel = relative(realpathSync(DIR), realpathSync(abs));
      expect(rel.startsWith('..') || isAbsolute(rel), `${f} is inside ${DIR}`).toBe(false);
    }
  });

  it('ships config/agent.yaml unchanged (the ConfigMap is generated from a copy)', () => {
    const entry = (generator.files as string[]).find((f) => generatorKey(f) === 'agent.yaml') as string;
    const copy = readFileSync(join(DIR, generatorFile(entry)), 'utf8');
    expect(
      copy === readFileSync(SOURCE_CONFIG, 'utf8'),
      'config/kubernetes/agent.yaml differs from config/agent.yaml: cp config/agent.yaml config/kubernetes/agent.yaml',
    ).toBe(true);
    // the DaemonSet mounts that ConfigMap where --config points
    const cfg = volumeOf('/etc/tsunagi');
    expect(cfg.volume?.configMap?.name).toBe('tsunagi-agent');
    expect(cfg.mount?.readOnly).toBe(true);
    expect(agent.args).toContain('--config=/etc/tsunagi/agent.yaml');
  });

  it('mounts the pod logs read-only, and the Docker container dir their symlinks point into', () => {
    for (const path of ['/var/log/pods', '/var/lib/docker/containers']) {
      const { mount, volume } = volumeOf(path);
      expect(volume?.hostPath?.path, path).toBe(path);
      expect(mount?.readOnly, path).toBe(true);
    }
  });

  it('keeps checkpoints and the export queue on a writable hostPath at file_storage.directory', () => {
    const config = parse(readFileSync(SOURCE_CONFIG, 'utf8')) as Doc;
    const dir = config.extensions.file_storage.directory as string;
    const { mount, volume } = volumeOf(dir);
    expect(volume?.hostPath?.path).toBeTypeOf('string');
    expect(volume?.hostPath?.type).toBe('DirectoryOrCreate');
    expect(mount?.readOnly ?? false).toBe(false);
  });

  it('limits resources and probes readiness on the health_check port 13133', () => {
    expect(agent.resources?.limits?.memory).toBeTypeOf('string');
    expect(agent.resources?.limits?.cpu).toBeDefined();
    expect(agent.resources?.requests?.memory).toBeTypeOf('string');
    const port = agent.readinessProbe?.httpGet?.port;
    const number =
      typeof port === 'number' ? port : (agent.ports as Doc[]).find((p) => p.name === port)?.containerPort;
    expect(number).toBe(13133);
    const config = parse(readFileSync(SOURCE_CONFIG, 'utf8')) as Doc;
    expect(config.extensions.health_check.endpoint).toMatch(/:13133$/);
    // k8s_attributes' filter.node_from_env_var is set from the downward API
    const nodeVar = config.processors.k8s_attributes.filter.node_from_env_var;
    expect((agent.env as Doc[]).find((e) => e.name === nodeVar)?.valueFrom?.fieldRef?.fieldPath).toBe(
      'spec.nodeName',
    );
  });

  it('runs the gateway the agents export to: config/gateway.yaml, its ports behind the Service, a queue volume per replica', () => {
    const gatewayGen = (kustomization.configMapGenerator as Doc[]).find(
      (g) => g.name === 'tsunagi-gateway',
    ) as Doc;
    const entry = (gatewayGen.files as string[]).find((f) => generatorKey(f) === 'gateway.yaml') as string;
    expect(
      readFileSync(join(DIR, generatorFile(entry)), 'utf8') === readFileSync(GATEWAY_CONFIG, 'utf8'),
      'config/kubernetes/gateway.yaml differs from config/gateway.yaml: cp config/gateway.yaml config/kubernetes/',
    ).toBe(true);
    const sts = find('StatefulSet');
    const spec = sts.spec.template.spec;
    const gw = spec.containers[0] as Doc;
    expect(gw.args).toContain('--config=/etc/tsunagi/gateway.yaml');
    const cfgMount = (gw.volumeMounts as Doc[]).find((m) => m.mountPath === '/etc/tsunagi') as Doc;
    expect((spec.volumes as Doc[]).find((v) => v.name === cfgMount.name)?.configMap?.name).toBe(
      'tsunagi-gateway',
    );

    // every receiver endpoint of the config is a container port, exposed by the Service
    const config = parse(readFileSync(GATEWAY_CONFIG, 'utf8')) as Doc;
    const ports = Object.values(config.receivers as Doc)
      .flatMap((r) => Object.values(r.protocols as Doc))
      .map((p) =>
        Number(
          String((p as Doc).endpoint)
            .split(':')
            .at(-1),
        ),
      );
    ports.sort((a, b) => a - b);
    expect(ports).toEqual([4317, 4318, 14250, 14268]);
    const service = find('Service');
    const byName = new Map((gw.ports as Doc[]).map((p) => [p.name, p.containerPort]));
    const exposed = (service.spec.ports as Doc[]).map((p) => byName.get(p.targetPort));
    expect(exposed.sort((a, b) => a - b)).toEqual(ports);
    expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels);

    // the DaemonSet's GATEWAY_ENDPOINT is this Service's OTLP/HTTP port
    const endpoint = (agent.env as Doc[]).find((e) => e.name === 'GATEWAY_ENDPOINT')?.value as string;
    expect(endpoint).toBe(
      `http://${service.metadata.name}.${kustomization.namespace}.svc.cluster.local:${(service.spec.ports as Doc[]).find((p) => p.targetPort === 'otlp-http')?.port}`,
    );

    // the persistent queue lives on a per-replica claim at file_storage.directory
    const queueDir = config.extensions.file_storage.directory as string;
    const queueMount = (gw.volumeMounts as Doc[]).find((m) => m.mountPath === queueDir) as Doc;
    expect((sts.spec.volumeClaimTemplates as Doc[]).map((c) => c.metadata.name)).toContain(queueMount.name);

    expect(find('PodDisruptionBudget').spec.selector).toEqual(sts.spec.selector);
    expect(find('HorizontalPodAutoscaler').spec.scaleTargetRef).toMatchObject({
      kind: 'StatefulSet',
      name: sts.metadata.name,
    });
  });

  it('sizes the V8 heap explicitly in every workload, as the benches run them', () => {
    // Without flags Node sizes the heap from the container's memory limit (a 1 MiB semi-space
    // under 512Mi), which doubled the agent's CPU per line and the Loki/Elasticsearch exporters'
    // per record; bench/lib/manifest-flags.ts reads these.
    const sidecar = docsOf('examples/sidecar.yaml')[0];
    for (const workload of [ds, find('StatefulSet'), sidecar]) {
      const container = (workload.spec.template.spec.containers as Doc[]).find((c) =>
        String(c.image).includes('tsunagi'),
      ) as Doc;
      const opts = ((container.env as Doc[]).find((e) => e.name === 'NODE_OPTIONS')?.value ?? '') as string;
      const semi = Number(/--max-semi-space-size=(\d+)/.exec(opts)?.[1]);
      // the gateway (translating for Loki/Elasticsearch) keeps Node's usual 16 MiB; the agent 4 MiB
      // (same CPU per line as 16, ~40 MiB less peak RSS); only the OTLP relay runs lean
      expect(semi, workload.metadata.name).toBe(workload === sidecar ? 2 : workload === ds ? 4 : 16);
      const cap = Number(/--max-old-space-size=(\d+)/.exec(opts)?.[1]);
      expect(cap * 1024 * 1024, workload.metadata.name).toBeLessThan(
        parseQuantity(container.resources.limits.memory),
      );
    }
  });

  it('gives Node only flags it starts with: NODE_OPTIONS it accepts, other flags in `command` before the image binary', () => {
    // Node refuses some V8 flags in NODE_OPTIONS (--initial-old-space-size,
    // --heap-growing-percent): the container would exit at start. Those go on the command line.
    const entrypoint = /ENTRYPOINT \[(.*)\]/.exec(
      readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8'),
    )?.[1];
    const binary = JSON.parse(`[${entrypoint}]`)[1] as string;
    expect(binary).toBe('/app/dist/tsunagi.mjs');
    const files = ['daemonset.yaml', 'statefulset.yaml', 'examples/sidecar.yaml', 'examples/two-tier.yaml'];
    let checked = 0;
    for (const file of files)
      for (const d of docsOf(file)) {
        for (const c of (d.spec?.template?.spec?.containers ?? []) as Doc[]) {
          if (!String(c.image).includes('tsunagi')) continue;
          const opts = ((c.env as Doc[] | undefined)?.find((e) => e.name === 'NODE_OPTIONS')?.value ??
            '') as string;
          const run = (args: string[], env: Record<string, string>) =>
            execFileSync(process.execPath, [...args, '-e', '0'], {
              env: { ...process.env, ...env },
              stdio: 'pipe',
            });
          expect(
            () => run([], { NODE_OPTIONS: opts }),
            `${file} ${c.name}: NODE_OPTIONS ${opts}`,
          ).not.toThrow();
          if (c.command !== undefined) {
            const flags = commandNodeFlags(c.command);
            // node, its flags, then the image's binary (the entrypoint the command replaces)
            expect(c.command, `${file} ${c.name}`).toEqual(['node', ...flags, binary]);
            expect(() => run(flags, { NODE_OPTIONS: opts }), `${file} ${c.name}: ${flags}`).not.toThrow();
          }
          checked++;
        }
      }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('has a sidecar example that relays to the gateway Service and buffers at file_storage.directory', () => {
    const sidecarConfig = parse(
      readFileSync(fileURLToPath(new URL('../config/sidecar.yaml', import.meta.url)), 'utf8'),
    ) as Doc;
    const pod = docsOf('examples/sidecar.yaml')[0].spec.template.spec;
    const c = (pod.containers as Doc[]).find((x) => x.name === 'tsunagi') as Doc;
    expect(c.args).toContain('--config=/etc/tsunagi/sidecar.yaml');
    const gateway = (c.env as Doc[]).find((e) => e.name === 'GATEWAY_ENDPOINT')?.value;
    const service = find('Service');
    const httpPort = (service.spec.ports as Doc[]).find((p) => p.targetPort === 'otlp-http')?.port;
    expect(gateway).toBe(
      `http://${service.metadata.name}.${kustomization.namespace}.svc.cluster.local:${httpPort}`,
    );
    expect(Object.keys(sidecarConfig.exporters)).toEqual(['otlp_http']);
    const queue = (c.volumeMounts as Doc[]).find(
      (m) => m.mountPath === sidecarConfig.extensions.file_storage.directory,
    ) as Doc;
    expect((pod.volumes as Doc[]).find((v) => v.name === queue.name)?.emptyDir).toBeDefined();
  });

  it('gives the gateway a headless Service for a load-balancing tier, and a two-tier example that resolves it', async () => {
    const sts = find('StatefulSet');
    const headless = resources.find((r) => r.kind === 'Service' && r.spec.clusterIP === 'None') as Doc;
    expect(headless, 'a headless Service').toBeDefined();
    expect(headless.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.serviceName).toBe(headless.metadata.name); // stable pod names through it
    const gw = sts.spec.template.spec.containers[0] as Doc;
    const grpcPort = (headless.spec.ports as Doc[]).find((p) => p.appProtocol === 'grpc') as Doc;
    expect((gw.ports as Doc[]).find((p) => p.name === grpcPort.targetPort)?.containerPort).toBe(
      grpcPort.port,
    );

    const example = docsOf('examples/two-tier.yaml');
    const cm = example.find((d) => d.kind === 'ConfigMap') as Doc;
    const lbYaml = cm.data['lb.yaml'] as string;
    const lb = parse(lbYaml) as Doc;
    const dnsResolver = lb.exporters.load_balancing.resolver.dns;
    expect(dnsResolver.hostname).toBe(
      `${headless.metadata.name}.${kustomization.namespace}.svc.cluster.local`,
    );
    expect(Number(dnsResolver.port)).toBe(grpcPort.port);
    expect(lb.service.pipelines.traces.exporters).toEqual(['load_balancing']);
    // the tier's own Deployment mounts that ConfigMap, and its Service exposes the receivers
    const deploy = example.find((d) => d.kind === 'Deployment') as Doc;
    const c = deploy.spec.template.spec.containers[0] as Doc;
    const mount = (c.volumeMounts as Doc[]).find((m) => m.mountPath === '/etc/tsunagi') as Doc;
    expect(
      (deploy.spec.template.spec.volumes as Doc[]).find((v) => v.name === mount.name)?.configMap?.name,
    ).toBe(cm.metadata.name);
    expect(c.args).toContain('--config=/etc/tsunagi/lb.yaml');
    const svc = example.find((d) => d.kind === 'Service') as Doc;
    expect(svc.spec.selector).toEqual(deploy.spec.selector.matchLabels);
    // and the config validates against the real registry
    const dir = mkdtempSync(join(tmpdir(), 'tsunagi-two-tier-'));
    writeFileSync(join(dir, 'lb.yaml'), lbYaml);
    let err = '';
    const code = await runCli(['validate', '--config', join(dir, 'lb.yaml')], registry, {
      stdout: () => {},
      stderr: (t) => {
        err += t;
      },
      env: {},
      signals: process,
      exit: () => {},
      createLogger: () => silentLogger(),
    });
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('lets the service account get, list and watch pods and namespaces, and nothing else', () => {
    const role = find('ClusterRole');
    const grants = new Map<string, Set<string>>();
    for (const r of role.rules as Doc[])
      for (const g of r.apiGroups as string[])
        for (const res of r.resources as string[])
          grants.set(`${g}/${res}`, new Set([...(grants.get(`${g}/${res}`) ?? []), ...r.verbs]));
    expect([...grants.keys()].sort()).toEqual(['/namespaces', '/pods']);
    for (const verbs of grants.values()) expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const binding = find('ClusterRoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toContainEqual({
      kind: 'ServiceAccount',
      name: pod.serviceAccountName,
      namespace: kustomization.namespace,
    });
  });

  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!kubectl)('kubectl kustomize builds it (only where kubectl is installed)', () => {
    const out = parseAllDocuments(execFileSync('kubectl', ['kustomize', DIR], { encoding: 'utf8' })).map(
      (d) => d.toJS() as Doc,
    );
    const cm = out.find((d) => d.kind === 'ConfigMap' && d.data['agent.yaml']) as Doc;
    expect(cm.data['agent.yaml']).toBe(readFileSync(SOURCE_CONFIG, 'utf8'));
    const built = out.find((d) => d.kind === 'DaemonSet') as Doc;
    const vol = (built.spec.template.spec.volumes as Doc[]).find((v) => v.configMap);
    expect(vol?.configMap.name).toBe(cm.metadata.name); // hash-suffixed name rewritten
  });
});
