// Where the API server is and how to authenticate, per auth_type:
// serviceAccount (in-cluster: KUBERNETES_SERVICE_HOST/PORT, the mounted token
// and CA), kubeConfig ($KUBECONFIG or ~/.kube/config), none (in-cluster
// address, no credentials).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ApiTarget } from './client.js';

/** Where the kubelet mounts the service account's token, CA and namespace. */
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface AuthOptions {
  env?: NodeJS.ProcessEnv;
  /** serviceAccount: the directory holding `token` and `ca.crt` (default SA_DIR). */
  serviceAccountDir?: string;
}

function inClusterUrl(env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host)
    throw new Error(
      'KUBERNETES_SERVICE_HOST is not set: not running in a Kubernetes pod (use auth_type: kubeConfig)',
    );
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function apiTarget(
  authType: 'none' | 'serviceAccount' | 'kubeConfig' | 'tls',
  context: string | undefined,
  { env = process.env, serviceAccountDir = SA_DIR }: AuthOptions = {},
): ApiTarget {
  switch (authType) {
    case 'none':
      return { baseUrl: inClusterUrl(env) };
    case 'serviceAccount': {
      const ca = readFileSync(join(serviceAccountDir, 'ca.crt'), 'utf8');
      const tokenFile = join(serviceAccountDir, 'token');
      return {
        baseUrl: inClusterUrl(env),
        ca,
        // read per request: the kubelet rotates the projected token (atomically
        // swapping the ..data symlink), and an expired token gets 401
        authorization: () => `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`,
      };
    }
    case 'kubeConfig':
      return fromKubeConfig(env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config'), context);
    default:
      throw new Error(`auth_type "${authType}" is not supported yet`);
  }
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** The subset of kubeconfig most setups use: server, CA, bearer token or client certificate. */
export function fromKubeConfig(path: string, contextName?: string): ApiTarget {
  const kc = parse(readFileSync(path, 'utf8')) as any;
  const ctxName = contextName ?? kc['current-context'];
  const ctx = kc.contexts?.find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context "${ctxName}" not found`);
  const cluster = kc.clusters?.find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  const file = (p: string) => readFileSync(p, 'utf8');
  const target: ApiTarget = {
    baseUrl: cluster.server,
    ca: cluster['certificate-authority-data']
      ? b64(cluster['certificate-authority-data'])
      : cluster['certificate-authority'] && file(cluster['certificate-authority']),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    cert: user['client-certificate-data']
      ? b64(user['client-certificate-data'])
      : user['client-certificate'] && file(user['client-certificate']),
    key: user['client-key-data']
      ? b64(user['client-key-data'])
      : user['client-key'] && file(user['client-key']),
  };
  const token = user.token ?? (user.tokenFile ? file(user.tokenFile).trim() : undefined);
  if (token) target.authorization = () => `Bearer ${token}`;
  return target;
}
