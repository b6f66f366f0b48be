// resolver.dns: the A and AAAA records of `hostname` (a headless Service
// gives one per ready pod), every `interval`, each lookup bounded by
// `timeout`. As the collector's: addresses become "ip" or "ip:port" ("[ip6]"
// bracketed), sorted; a failed lookup keeps the last list (and is logged).
import { Resolver as DnsClient } from 'node:dns/promises';
import type { Logger } from '../../src/telemetry/logger.js';
import { joinHostPort, normalize, type Resolver, sameList } from './resolver.js';

export interface DnsResolverOptions {
  hostname: string;
  port?: string;
  intervalMs: number;
  timeoutMs: number;
  /** DNS servers ("ip" or "ip:port"); default: the system's (/etc/resolv.conf). */
  servers?: string[];
  logger: Logger;
}

/** TSUNAGI_DNS_SERVERS: comma-separated servers the dns resolver asks instead of the system's. */
export function dnsServersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const v = env.TSUNAGI_DNS_SERVERS?.trim();
  return v ? v.split(',').map((s) => s.trim()) : undefined;
}

export class DnsResolver implements Resolver {
  private endpoints: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Lookups done, and how many failed (otelcol_loadbalancer_num_resolutions). */
  resolutions = 0;
  failures = 0;

  constructor(private readonly o: DnsResolverOptions) {}

  async start(onChange: (endpoints: string[]) => void): Promise<void> {
    const tick = async () => {
      await this.resolveOnce(onChange);
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = tick();
      }, this.o.intervalMs);
    };
    this.running = tick();
    await this.running;
  }

  /** One lookup; reports a changed list. */
  async resolveOnce(onChange: (endpoints: string[]) => void): Promise<void> {
    // a client per lookup: c-ares applies `timeout` per try, and cancel() ends a slow one
    const client = new DnsClient({ timeout: this.o.timeoutMs, tries: 1 });
    if (this.o.servers) client.setServers(this.o.servers);
    const deadline = setTimeout(() => client.cancel(), this.o.timeoutMs);
    this.resolutions++;
    try {
      const [v4, v6] = await Promise.allSettled([
        client.resolve4(this.o.hostname),
        client.resolve6(this.o.hostname),
      ]);
      const addrs = [
        ...(v4.status === 'fulfilled' ? v4.value : []),
        ...(v6.status === 'fulfilled' ? v6.value : []),
      ];
      if (v4.status === 'rejected' && v6.status === 'rejected' && !noRecords(v4.reason, v6.reason))
        throw v4.reason;
      if (this.stopped) return;
      const list = normalize(addrs.map((a) => joinHostPort(a, this.o.port)));
      if (sameList(this.endpoints, list)) return;
      this.endpoints = list;
      onChange(list);
    } catch (err) {
      this.failures++;
      this.o.logger.warn({ error: (err as Error).message, hostname: this.o.hostname }, 'failed to resolve');
    } finally {
      clearTimeout(deadline);
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/** Both lookups answered "no such records": the name has no backends now (an empty list, not a failure). */
function noRecords(a: unknown, b: unknown): boolean {
  const empty = (e: unknown) => ['ENODATA', 'ENOTFOUND'].includes((e as { code?: string })?.code ?? '');
  return empty(a) && empty(b);
}
