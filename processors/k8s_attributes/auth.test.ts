import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiTarget, fromKubeConfig } from '../../src/k8s/auth.js';
import { fromAnyValue, str } from '../../src/pdata/attributes.js';
import { newResource, newResourceLogs } from '../../src/pdata/create.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { createWith } from './factory.js';
import { ApiServerStandin, fixture } from './testdata/apiserver-standin.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('k8s_attributes auth', () => {
  it('reads server, CA, token and client certificate from a kubeconfig context', () => {
    const path = join(dir, 'config');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: c1
    cluster:
      server: https://10.0.0.1:6443
      certificate-authority-data: ${b64('CA-PEM')}
  - name: c2
    cluster:
      server: https://other:6443
      insecure-skip-tls-verify: true
contexts:
  - name: dev
    context: {cluster: c1, user: u1}
  - name: prod
    context: {cluster: c2, user: u2}
users:
  - name: u1
    user: {token: abc}
  - name: u2
    user:
      client-certificate-data: ${b64('CERT')}
      client-key-data: ${b64('KEY')}
`,
    );
    const dev = fromKubeConfig(path);
    expect([dev.baseUrl, dev.ca, dev.authorization?.()]).toEqual([
      'https://10.0.0.1:6443',
      'CA-PEM',
      'Bearer abc',
    ]);
    const prod = fromKubeConfig(path, 'prod');
    expect([prod.baseUrl, prod.cert, prod.key, prod.insecureSkipTlsVerify, prod.authorization]).toEqual([
      'https://other:6443',
      'CERT',
      'KEY',
      true,
      undefined,
    ]);
    expect(() => fromKubeConfig(path, 'nope')).toThrow(/context "nope" not found/);
    expect(apiTarget('kubeConfig', 'dev', { env: { KUBECONFIG: path } }).baseUrl).toBe(
      'https://10.0.0.1:6443',
    );
  });

  it('builds the in-cluster address from the service environment, and says so when it is missing', () => {
    expect(
      apiTarget('none', undefined, {
        env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      }),
    ).toEqual({
      baseUrl: 'https://10.96.0.1:443',
    });
    expect(apiTarget('none', undefined, { env: { KUBERNETES_SERVICE_HOST: 'fd00::1' } }).baseUrl).toBe(
      'https://[fd00::1]:443',
    );
    expect(() => apiTarget('none', undefined, { env: {} })).toThrow(/KUBERNETES_SERVICE_HOST is not set/);
  });
});

// ---- serviceAccount against an HTTPS stand-in that checks the bearer token ----

/**
 * A service account volume as the kubelet writes it (projected volume,
 * atomic writer): files in a timestamped dir, `..data` → that dir,
 * `token` → `..data/token`. Rotation writes a new dir and renames a new
 * `..data` symlink over the old one.
 */
class ServiceAccountVolume {
  private generation = 0;
  constructor(
    readonly dir: string,
    private readonly ca: string,
  ) {}

  write(token: string): void {
    const data = `..2026_11_23_10_00_00.${String(++this.generation).padStart(9, '0')}`;
    mkdirSync(join(this.dir, data));
    writeFileSync(join(this.dir, data, 'token'), token);
    writeFileSync(join(this.dir, data, 'ca.crt'), this.ca);
    writeFileSync(join(this.dir, data, 'namespace'), 'observability');
    symlinkSync(data, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.generation === 1)
      for (const f of ['token', 'ca.crt', 'namespace']) symlinkSync(join('..data', f), join(this.dir, f));
  }
}

// JWT-shaped, as the kubelet's projected tokens are (content is opaque to the client)
const jwt = (n: number) =>
  `eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:observability:tsunagi-agent', n })).toString('base64url')}.c2lnbmF0dXJl`;

let cert: { certFile: string; keyFile: string } | undefined;
/** A throwaway self-signed API server certificate (openssl CLI) for 127.0.0.1; it is its own CA. */
function apiServerCert() {
  if (cert) return cert;
  cert = { certFile: join(dir, 'apiserver.crt'), keyFile: join(dir, 'apiserver.key') };
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-keyout', cert.keyFile, '-out', cert.certFile, '-days', '1', '-subj', '/CN=kube-apiserver'])
      .concat(['-addext', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc']),
    { stdio: 'ignore' },
  );
  return cert;
}

async function httpsApiServer() {
  const { certFile, keyFile } = apiServerCert();
  const api = new ApiServerStandin({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  const port = await api.listen();
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) };
  return { api, env, ca: readFileSync(certFile, 'utf8') };
}

async function until(cond: () => boolean, what: string) {
  const end = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const saConfig = (timeout: string) =>
  configSchema.parse({
    auth_type: 'serviceAccount',
    wait_for_metadata: true,
    wait_for_metadata_timeout: timeout,
  });

describe('k8s_attributes auth_type serviceAccount', () => {
  it('uses the mounted CA and token over HTTPS, and the rotated token once the kubelet swaps it', async () => {
    const { api, env, ca } = await httpsApiServer();
    const sa = new ServiceAccountVolume(mkdtempSync(join(dir, 'serviceaccount-')), ca);
    sa.write(jwt(1));
    api.token = jwt(1);
    const next = new CollectingConsumer<'logs'>();
    const proc = createWith(undefined, { auth: { env, serviceAccountDir: sa.dir } })(
      testSettings('k8s_attributes/sa', 'processor'),
      saConfig('5s'),
      'logs',
      next,
    );
    try {
      await proc.start(emptyHost); // the list succeeded: TLS verified against ca.crt, token accepted
      const res = newResource();
      res.attributes.push({
        key: 'k8s.pod.uid',
        value: str(fixture('pods-list.json').items[0].metadata.uid),
      });
      await proc.consume({ resourceLogs: [newResourceLogs(res)] });
      const attrs = (next.received[0] as LogsData).resourceLogs[0].resource.attributes;
      expect(fromAnyValue(attrs.find((a) => a.key === 'k8s.pod.name')?.value)).toBe(
        'checkout-7d9c6b5f4-x8k2p',
      );
      await until(() => api.podWatches === 1, 'watch');
      expect(api.requests.map((r) => [r.authorization, r.status])).toEqual([
        [`Bearer ${jwt(1)}`, 200], // list
        [`Bearer ${jwt(1)}`, 200], // watch
      ]);

      // the kubelet rotates the token; the server stops accepting the old one
      sa.write(jwt(2));
      api.token = jwt(2);
      api.endWatches();
      await until(() => api.podWatches === 1, 're-watch');
      expect(api.requests.at(-1)).toMatchObject({ authorization: `Bearer ${jwt(2)}`, status: 200 });
      expect(api.requests.filter((r) => r.status !== 200)).toEqual([]);
    } finally {
      await proc.shutdown();
      await api.close();
    }
  });

  it('fails to start when the API server refuses the token (wait_for_metadata)', async () => {
    const { api, env, ca } = await httpsApiServer();
    const sa = new ServiceAccountVolume(mkdtempSync(join(dir, 'serviceaccount-')), ca);
    sa.write('a-stale-one');
    api.token = jwt(3);
    const proc = createWith(undefined, { auth: { env, serviceAccountDir: sa.dir } })(
      testSettings('k8s_attributes/sa-refused', 'processor'),
      saConfig('300ms'),
      'logs',
      new CollectingConsumer<'logs'>(),
    );
    try {
      await expect(proc.start(emptyHost)).rejects.toThrow(/wait for caches to sync/);
      expect(api.requests[0]).toMatchObject({ authorization: 'Bearer a-stale-one', status: 401 });
    } finally {
      await proc.shutdown();
      await api.close();
    }
  });
});
