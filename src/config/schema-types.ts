// Zod building blocks for the collector's value types, shared by every
// component's config schema.
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration ("1h2m", "500ms", "1.5s", "0") into milliseconds; undefined if invalid. */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/gy; // µs as an escape: an ASCII-only bundle is half the resident source
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

/** A Go-style duration: "5s", "200ms", "1m30s"; a bare number is nanoseconds (time.Duration). Output: ms. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    if (typeof v === 'number') return v / 1e6;
    const ms = parseDurationMs(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid duration "${v}" (expected e.g. "5s", "200ms", "1m30s")`,
      });
      return z.NEVER;
    }
    return ms;
  });

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses "1kb", "16KiB", "1MiB", "100" into bytes; undefined if invalid. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

/** A byte size: a number of bytes or a string with a unit (kb = 1000, kib = 1024). Output: bytes. */
export const byteSize = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    if (typeof v === 'number') return v;
    const n = parseByteSize(v);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid byte size "${v}" (expected e.g. "1MiB", "16kb", 1024)`,
      });
      return z.NEVER;
    }
    return n;
  });

/** host:port (host may be empty, a name, IPv4 or [IPv6]). */
export const endpoint = () =>
  z.string().refine((s) => /^(\[[^\]]*\]|[^:/\s]*):\d{1,5}$/.test(s), {
    message: 'expected host:port, e.g. "localhost:4317"',
  });

/** Splits "host:port" into parts for net.listen; "" host means all interfaces. */
export function splitHostPort(ep: string): { host: string; port: number } {
  const i = ep.lastIndexOf(':');
  let host = ep.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port: Number(ep.slice(i + 1)) };
}
