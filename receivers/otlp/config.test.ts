import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { configSchema } from './config.js';

const issues = (input: unknown) => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('otlp receiver config', () => {
  it('requires at least one protocol', () => {
    expect(issues({})).toEqual([
      'protocols: must specify at least one protocol when using the OTLP receiver',
    ]);
    expect(issues({ protocols: null })).toHaveLength(1);
    expect(issues({ protocols: {} })).toHaveLength(1);
  });

  it('a protocol key with a null value is enabled with the collector defaults', () => {
    const cfg = configSchema.parse(parse('protocols:\n  grpc:\n  http:\n'));
    expect(cfg.protocols.grpc).toMatchObject({
      endpoint: 'localhost:4317',
      transport: 'tcp',
      max_recv_msg_size_mib: 4,
      read_buffer_size: 512 * 1024,
      include_metadata: false,
    });
    expect(cfg.protocols.http).toMatchObject({
      endpoint: 'localhost:4318',
      traces_url_path: '/v1/traces',
      metrics_url_path: '/v1/metrics',
      logs_url_path: '/v1/logs',
      max_request_body_size: 20 * 1024 * 1024,
      include_metadata: false,
      response_headers: {},
    });
    expect(cfg.protocols.grpc?.tls).toBeUndefined();
    expect(cfg.protocols.http?.cors).toBeUndefined();
  });

  it('an absent protocol stays disabled', () => {
    const cfg = configSchema.parse({ protocols: { http: null } });
    expect(cfg.protocols.grpc).toBeUndefined();
    expect(cfg.protocols.http).toBeDefined();
  });

  it('accepts the collector conformance config, auth included', () => {
    const yaml = parse(readFileSync(`${CONFORMANCE_DIR}collector-configs/otlpreceiver.yaml`, 'utf8'));
    expect(issues(yaml)).toEqual([]);
    const cfg = configSchema.parse(yaml);
    expect(cfg.protocols.http?.auth).toEqual({ authenticator: 'test', request_params: [] });
    const { grpc, http } = cfg.protocols;
    expect(grpc?.max_recv_msg_size_mib).toBe(32);
    expect(grpc?.max_concurrent_streams).toBe(16);
    expect(grpc?.keepalive?.server_parameters).toEqual({
      max_connection_idle: 11_000,
      max_connection_age: 12_000,
      max_connection_age_grace: 13_000,
      time: 30_000,
      timeout: 5000,
    });
    expect(grpc?.keepalive?.enforcement_policy).toEqual({ min_time: 10_000, permit_without_stream: true });
    expect(grpc?.tls).toMatchObject({ cert_file: 'test.crt', key_file: 'test.key', min_version: '1.2' });
    expect(http?.cors).toEqual({
      allowed_origins: ['https://*.test.com', 'https://test.com'],
      allowed_headers: [],
      max_age: 7200,
    });
    // The collector adds a missing leading slash.
    expect(http?.traces_url_path).toBe('/traces');
    expect(http?.metrics_url_path).toBe('/v2/metrics');
    expect(http?.logs_url_path).toBe('/log/ingest');
  });

  it('rejects unknown keys, auth, bad endpoints and unsupported compression', () => {
    expect(issues({ protocols: { grpc: { endpont: 'x:1' } } }).join()).toMatch(/endpont/);
    expect(issues({ protocols: { grpc: { auth: { authenticator: 'x', request_params: ['t'] } } } })).toEqual([
      'protocols.grpc.auth: Unrecognized key: "request_params"',
    ]);
    expect(issues({ protocols: { http: { auth: { authenticatr: 'x' } } } }).join()).toMatch(/authenticatr/);
    expect(issues({ protocols: { http: { endpoint: 'nope' } } })).toEqual([
      'protocols.http.endpoint: expected host:port, e.g. "localhost:4318"',
    ]);
    expect(issues({ protocols: { http: { compression_algorithms: ['gzip', 'zstd'] } } }).join()).toMatch(
      /compression algorithm "zstd" is not supported/,
    );
    // A bare "*" is valid (the collector allows any origin with it); the server warns at start.
    expect(issues({ protocols: { http: { cors: { allowed_origins: ['*'] } } } })).toEqual([]);
    expect(issues({ protocols: { grpc: { tls: { cert_file: 'a.crt' } } } }).join()).toMatch(
      /needs both a certificate/,
    );
  });

  it('parses sizes and unix transport', () => {
    const cfg = configSchema.parse({
      protocols: {
        grpc: { transport: 'unix', endpoint: '/tmp/otlp.sock' },
        http: { endpoint: '0.0.0.0:4318', max_request_body_size: '1MiB', response_headers: { 'X-A': 'b' } },
      },
    });
    expect(cfg.protocols.grpc?.endpoint).toBe('/tmp/otlp.sock');
    expect(cfg.protocols.http?.max_request_body_size).toBe(1024 * 1024);
    expect(cfg.protocols.http?.response_headers).toEqual({ 'X-A': 'b' });
  });
});
