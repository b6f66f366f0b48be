// Host names for add_attributes (net.peer.name, net.host.name): a reverse
// DNS lookup per IP, cached for 5 minutes; an IP that does not resolve names
// itself, as the collector's helper.IPResolver does.
import { promises as dns } from 'node:dns';

const TTL_MS = 5 * 60_000;

export class IpResolver {
  private readonly cache = new Map<string, { name: string; until: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  /** The cached name, or the IP itself while a lookup is under way (which this starts). */
  cached(ip: string): string {
    const hit = this.cache.get(ip);
    if (hit && hit.until > Date.now()) return hit.name;
    void this.lookup(ip);
    return hit?.name ?? ip;
  }

  /** Resolves the name (at most `timeoutMs`; then the IP). */
  lookup(ip: string, timeoutMs = 1000): Promise<string> {
    const hit = this.cache.get(ip);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.name);
    let p = this.pending.get(ip);
    if (!p) {
      p = dns
        .reverse(ip)
        .then(
          (names) => (names[0] ? names[0].replace(/\.$/, '') : ip),
          () => ip,
        )
        .then((name) => {
          this.cache.set(ip, { name, until: Date.now() + TTL_MS });
          if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
          this.pending.delete(ip);
          return name;
        });
      this.pending.set(ip, p);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(ip), timeoutMs);
      timer.unref();
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

/** Go prints an IPv4-mapped IPv6 address as plain IPv4. */
export function plainIp(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}
