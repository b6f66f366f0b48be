// Sources of the backend list. Each reports the whole list, sorted (the
// collector's resolvers sort, and the ring's tie-break depends on the order),
// and only when it changed; a failed resolution keeps the last good list.
import { isIPv6 } from 'node:net';

export interface Resolver {
  /** Starts resolving; resolves once the first resolution was tried (it may have failed). */
  start(onChange: (endpoints: string[]) => void): Promise<void>;
  shutdown(): Promise<void>;
}

/** `host` with `port` appended (IPv6 in brackets); the host alone when no port is given. */
export function joinHostPort(host: string, port: string | number | undefined): string {
  const h = isIPv6(host) ? `[${host}]` : host;
  return port === undefined || port === '' ? h : `${h}:${port}`;
}

/** Sorted, without duplicates. */
export function normalize(endpoints: Iterable<string>): string[] {
  return [...new Set(endpoints)].sort();
}

export function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** resolver.static: the configured hostnames, once. */
export class StaticResolver implements Resolver {
  constructor(private readonly hostnames: readonly string[]) {}

  async start(onChange: (endpoints: string[]) => void): Promise<void> {
    onChange(normalize(this.hostnames));
  }

  async shutdown(): Promise<void> {}
}
