// Small HTTP GET/PUT for metadata services: a per-request timeout (the config's
// `timeout`) inside the session's deadline, the answer's status, headers and body.
import { request } from 'undici';
import type { DetectContext } from './types.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function httpRequest(
  ctx: DetectContext,
  url: string,
  opts: { method?: 'GET' | 'PUT'; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const timeout = opts.timeoutMs ?? ctx.timeoutMs;
  const signal = timeout > 0 ? AbortSignal.any([ctx.signal, AbortSignal.timeout(timeout)]) : ctx.signal;
  const res = await request(url, { method: opts.method ?? 'GET', headers: opts.headers, signal });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}
