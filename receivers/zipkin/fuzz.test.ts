// Seeded, bounded fuzzing of the four Zipkin decoders: valid bodies (v2 JSON,
// v2 protobuf, v1 JSON, v1 Thrift) mutated byte-wise; every input decodes or is
// refused with a ZipkinDecodeError (a 400), never another exception or a hang.
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { ZipkinDecodeError } from './model.js';
import { decode, type Transport } from './receiver.js';

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const v2 = JSON.stringify([
  {
    traceId: '463ac35c9f6413ad48485a3953bb6124',
    id: 'a2fb4a1d1a96d312',
    parentId: '0020000000000001',
    name: 'get',
    kind: 'SERVER',
    timestamp: 1556604172355737,
    duration: 1431,
    localEndpoint: { serviceName: 'backend', ipv4: '192.168.99.101', port: 9000 },
    remoteEndpoint: { ipv6: '2001:db8::c001', port: 63070 },
    annotations: [{ timestamp: 1556604172355800, value: 'event|{"a":1}|0' }],
    tags: {
      'http.path': '/api',
      error: 'true',
      'otlp.link.0': '463ac35c9f6413ad48485a3953bb6124|a2fb4a1d1a96d312||{}|0',
    },
  },
]);
const v1 = JSON.stringify([
  {
    traceId: '5af7183fb1d4cf5f',
    name: 'get',
    id: '352bff9a74ca9ad2',
    timestamp: 1556604172355737,
    duration: 1431,
    annotations: [
      { timestamp: 1556604172355737, value: 'sr', endpoint: { serviceName: 'b', ipv4: '1.2.3.4' } },
    ],
    binaryAnnotations: [
      { key: 'lc', value: 'x' },
      { key: 'census.status_code', value: '2' },
    ],
  },
]);
const require = createRequire(import.meta.url);
const thriftEncoder = require('zipkin-encoder-thrift') as { encode(span: unknown): Buffer };
/** v1 Thrift list<Span> from zipkin-encoder-thrift. */
const thrift = Buffer.concat([
  Buffer.from([12, 0, 0, 0, 1]),
  thriftEncoder.encode({
    traceId: '000000000000000a',
    id: '000000000000000b',
    name: 'get',
    kind: 'CLIENT',
    timestamp: 1_700_000_000_000_000,
    duration: 10,
    localEndpoint: { serviceName: 'svc', ipv4: '10.0.0.1', port: 80 },
    remoteEndpoint: { serviceName: 'db', ipv4: '10.0.0.2', port: 5432 },
    annotations: [{ timestamp: 1_700_000_000_000_005, value: 'x' }],
    tags: { k: 'v' },
  }),
]);
const bodies: [Transport, Buffer][] = [
  ['http_v2_json', Buffer.from(v2)],
  ['http_v2_proto', Buffer.alloc(0)], // filled in beforeAll (protobufjs with upstream zipkin.proto)
  ['http_v1_json', Buffer.from(v1)],
  ['http_v1_thrift', thrift],
];

beforeAll(async () => {
  const root = await protobuf.load(`${CONFORMANCE_DIR}proto/jaeger/proto/zipkin.proto`);
  const List = root.lookupType('zipkin.proto3.ListOfSpans');
  bodies[1][1] = Buffer.from(
    List.encode(
      List.fromObject({
        spans: [
          {
            traceId: Buffer.from('0000000000000001000000000000000a', 'hex'),
            id: Buffer.from('000000000000000b', 'hex'),
            kind: 'CLIENT',
            name: 'get',
            timestamp: 1_700_000_000_000_000,
            duration: 5,
            localEndpoint: { serviceName: 'svc', ipv4: Buffer.from([10, 0, 0, 1]), port: 80 },
            annotations: [{ timestamp: 1_700_000_000_000_001, value: 'hit' }],
            tags: { k: 'v', error: 'true' },
          },
        ],
      }),
    ).finish(),
  );
});

describe('zipkin decoder fuzzing (seeded)', () => {
  it('the seed bodies decode', () => {
    for (const [t, b] of bodies) expect(() => decode(t, b, true), t).not.toThrow();
  });

  it('mutated bodies decode or are refused with a ZipkinDecodeError', () => {
    const r = rng(0x21b);
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const [t, seed] = bodies[i % bodies.length];
      const b = Buffer.from(seed);
      const kind = Math.floor(r() * 3);
      if (kind === 0)
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++)
          b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const body = kind === 1 ? b.subarray(0, Math.floor(r() * b.length)) : b;
      try {
        decode(t, body, r() < 0.5);
      } catch (err) {
        expect(err, `${t} #${i}`).toBeInstanceOf(ZipkinDecodeError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});
