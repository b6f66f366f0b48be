import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/exporterhelper/otlp-response.js';
import { classifyStatus } from './classify.js';

describe('loki answer classification', () => {
  it('maps Loki status codes to ok / split / retry / permanent', () => {
    expect(classifyStatus(204, '', undefined)).toEqual({ kind: 'ok' });
    expect(classifyStatus(413, 'too large', undefined)).toEqual({ kind: 'split' });
    expect(classifyStatus(429, 'Ingestion rate limit exceeded', '3')).toEqual({
      kind: 'retry',
      retryAfterMs: 3000,
      message: 'HTTP 429: Ingestion rate limit exceeded',
    });
    expect(classifyStatus(500, 'boom', undefined)).toMatchObject({ kind: 'retry' });
    expect(classifyStatus(400, 'entry out of order\n', undefined)).toEqual({
      kind: 'permanent',
      message: 'HTTP 400: entry out of order',
    });
    expect(classifyStatus(401, 'no org id', undefined)).toMatchObject({ kind: 'permanent' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
