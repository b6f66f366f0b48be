import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { factory } from './factory.js';

const upstream = YAML.parse(
  readFileSync(`${CONFORMANCE_DIR}collector-configs/jaegerreceiver.yaml`, 'utf8'),
  { version: '1.1' }, // the collector's YAML reads 100_000 as a number
);
const parse = (v: unknown) => factory.configSchema.safeParse(v);

describe('jaeger receiver config (the collector testdata)', () => {
  it('accepts custom endpoints and UDP options', () => {
    const r = parse(upstream['jaeger/customname']);
    expect(r.success).toBe(true);
    expect(r.data?.protocols).toMatchObject({
      grpc: { endpoint: 'localhost:9876' },
      thrift_http: { endpoint: ':3456' },
      thrift_compact: {
        endpoint: '0.0.0.0:456',
        queue_size: 100_000,
        max_packet_size: 131_072,
        workers: 100,
        socket_buffer_size: 65_536,
      },
      thrift_binary: { endpoint: '0.0.0.0:789', queue_size: 1000, max_packet_size: 65_536, workers: 5 },
    });
  });

  it('fills defaults for protocols named without values', () => {
    const r = parse(upstream['jaeger/defaults']);
    expect(r.data?.protocols).toMatchObject({
      grpc: { endpoint: 'localhost:14250' },
      thrift_http: { endpoint: 'localhost:14268' },
      thrift_compact: { endpoint: 'localhost:6831', queue_size: 1000, max_packet_size: 65_000, workers: 10 },
      thrift_binary: { endpoint: 'localhost:6832', socket_buffer_size: 0 },
    });
  });

  it('serves only the protocols named', () => {
    const r = parse(upstream['jaeger/mixed']);
    expect(Object.keys(r.data?.protocols ?? {}).sort()).toEqual(['grpc', 'thrift_compact']);
  });

  it('accepts TLS', () => {
    expect(parse(upstream['jaeger/tls']).data?.protocols?.grpc?.tls).toEqual({
      cert_file: '/test.crt',
      key_file: '/test.key',
      min_version: '1.2', // configtls's default
    });
  });

  it('rejects a typo and a config without protocols', () => {
    const typo = parse(upstream['jaeger/typo_default_proto_config']);
    expect(typo.success).toBe(false);
    expect(JSON.stringify(typo.error?.issues)).toContain('thrift_htttp');
    expect(parse(upstream['jaeger/bad_proto_config']).success).toBe(false);
    for (const k of ['jaeger/empty', 'jaeger/no_proto_config']) {
      const r = parse(upstream[k]);
      expect(r.success, k).toBe(false);
      expect(JSON.stringify(r.error?.issues), k).toContain('at least one protocol');
    }
  });
});
