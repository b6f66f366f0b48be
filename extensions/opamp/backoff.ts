// Reconnect / retry delays: exponential from 1 s to 30 s with ±20 % jitter
// (so a fleet does not reconnect in step after a server restart), or what the
// server asked for (Retry-After, error_response retry_info) when it did.
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 1000,
    private readonly maxMs = 30_000,
  ) {}

  next(serverMs?: number): number {
    this.attempt++;
    if (serverMs !== undefined && Number.isFinite(serverMs) && serverMs >= 0)
      return Math.min(serverMs, 3_600_000);
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt - 1, 16));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Retry-After as seconds or an HTTP date, in ms; undefined if absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
