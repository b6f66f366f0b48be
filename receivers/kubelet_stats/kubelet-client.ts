// Where the kubelet is and how to authenticate, per auth_type, as the
// collector's internal/kubelet client does it: tls (client certificate from
// cert_file/key_file, CA ca_file) and serviceAccount (the pod's token,
// re-read per request, and its CA) talk HTTPS to endpoint (default
// <hostname>:10250); none talks HTTP to the read-only port (default
// <hostname>:10255); kubeConfig goes through the API server's node proxy
// (/api/v1/nodes/<node>/proxy). An endpoint with a scheme is used as is.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { type AuthOptions, apiTarget, SA_DIR } from '../../src/k8s/auth.js';
import type { KubeletStatsConfig } from './config.js';

export class KubeletClient {
  private readonly agent: Agent;
  readonly baseUrl: string;
  private readonly authorization: () => string | undefined;

  constructor(config: KubeletStatsConfig, auth: AuthOptions = {}) {
    const saDir = auth.serviceAccountDir ?? SA_DIR;
    const read = (f: string | undefined) => (f ? readFileSync(f, 'utf8') : undefined);
    let ca: string | undefined;
    let cert: string | undefined;
    let key: string | undefined;
    this.authorization = () => undefined;
    const withScheme = (scheme: string, port: number) => {
      const ep = config.endpoint || `${hostname()}:${port}`;
      return ep.includes('://') ? ep.replace(/\/$/, '') : `${scheme}://${ep}`;
    };
    switch (config.auth_type) {
      case 'kubeConfig': {
        const t = apiTarget('kubeConfig', config.context, auth);
        this.baseUrl = `${t.baseUrl.replace(/\/$/, '')}/api/v1/nodes/${encodeURIComponent(config.node)}/proxy`;
        ({ ca, cert, key } = t);
        this.authorization = t.authorization ?? (() => undefined);
        break;
      }
      case 'serviceAccount': {
        this.baseUrl = withScheme('https', 10250);
        if (!config.insecure_skip_verify) ca = readFileSync(join(saDir, 'ca.crt'), 'utf8');
        const tokenFile = join(saDir, 'token');
        this.authorization = () => `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;
        break;
      }
      case 'tls':
        this.baseUrl = withScheme('https', 10250);
        ca = config.ca_pem ?? read(config.ca_file);
        cert = config.cert_pem ?? read(config.cert_file);
        key = config.key_pem ?? read(config.key_file);
        break;
      default:
        this.baseUrl = withScheme('http', 10255);
    }
    this.agent = new Agent({
      connect: { ca, cert, key, rejectUnauthorized: !config.insecure_skip_verify },
      headersTimeout: config.timeout || undefined,
      bodyTimeout: config.timeout || undefined,
    });
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const a = this.authorization();
    if (a) headers.authorization = a;
    const res = await request(`${this.baseUrl}${path}`, { dispatcher: this.agent, headers, signal });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw new Error(`GET ${this.baseUrl}${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    }
    return (await res.body.json()) as T;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
