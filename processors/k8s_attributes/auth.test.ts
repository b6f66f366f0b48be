import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiTarget, fromKubeConfig } from './auth.js';

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
