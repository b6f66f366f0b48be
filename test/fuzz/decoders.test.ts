// Seeded, bounded fuzzing of every decoder of untrusted input (the receivers' own
// fuzz tests, e.g. receivers/zipkin/fuzz.test.ts, run fixed rounds; these follow FUZZ_ITERATIONS) (see
// test/support/fuzz.ts for the mutations and how to reproduce a failure).
// `npm test` runs a short round; `npm run fuzz` a long one. Each decoder must
// answer every input with its result or its own refusal, never with another
// exception or a hang; where an independent check exists it is applied too:
// the lazy validator accepts exactly what the full decoder accepts and yields
// the same data, and what a decoder accepted survives its encoder.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../app/registry.js';
import { BulkAnswerError, classifyItems, classifyRequest } from '../../exporters/elasticsearch/classify.js';
import { classifyStatus } from '../../exporters/loki/classify.js';
import { decodeEntries, decodeFrame } from '../../receivers/fluent_forward/events.js';
import { FrameScanner } from '../../receivers/fluent_forward/frame-scanner.js';
import { MsgpackError } from '../../receivers/fluent_forward/msgpack.js';
import { ZipkinDecodeError } from '../../receivers/zipkin/model.js';
import { decode as zipkinDecode } from '../../receivers/zipkin/receiver.js';
import { DecodeLimitError } from '../../src/codec/decode-budget.js';
import { otlpJson } from '../../src/codec/otlp-json.js';
import {
  DecodeError,
  decodeLogs,
  decodeLogsLazy,
  decodeMetrics,
  decodeTraces,
  decodeTracesLazy,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
} from '../../src/codec/otlp-proto.js';
import { genLogs, genMetrics, genTraces } from '../../src/codec/testing/fixtures.js';
import { normalize } from '../../src/codec/testing/oracle.js';
import { ConfigError } from '../../src/config/issues.js';
import { loadConfig } from '../../src/config/load.js';
import { parseRetryAfter } from '../../src/exporterhelper/otlp-response.js';
import type { LogsData, TracesData } from '../../src/pdata/types.js';
import { JaegerDecodeError } from '../../src/translator/jaeger/model.js';
import { decodePostSpansRequest, encodePostSpansRequest } from '../../src/translator/jaeger/proto-codec.js';
import { decodeBatchBinary, decodeEmitBatch } from '../../src/translator/jaeger/thrift-decode.js';
import { jaegerToTraces } from '../../src/translator/jaeger/to-otlp.js';
import { CONFORMANCE_DIR } from '../support/conformance-dir.js';
import { fuzz, ITERATIONS } from '../support/fuzz.js';
import { encodeBatch, encodeEmitBatch, parseJsonBatch } from '../support/jaeger-peer.js';
import { runOperators } from '../support/stanza.js';

/** Long runs get a timeout that grows with the iterations asked for. */
const TIMEOUT = Math.max(30_000, ITERATIONS * 20);

const isDecodeRefusal = (e: unknown) => e instanceof DecodeError || e instanceof DecodeLimitError;
const isJaegerRefusal = (e: unknown) => e instanceof JaegerDecodeError || e instanceof DecodeLimitError;

function outcome(fn: () => unknown): { ok: true; v: unknown } | { ok: false } {
  try {
    return { ok: true, v: fn() };
  } catch (e) {
    if (!isDecodeRefusal(e)) throw e;
    return { ok: false };
  }
}

describe('fuzz: OTLP protobuf (full decoder and lazy validator)', () => {
  const lazyCase = (
    name: string,
    seeds: Uint8Array[],
    full: (b: Uint8Array) => unknown,
    lazy: (b: Uint8Array) => unknown,
    encode: (d: unknown) => Uint8Array,
  ) =>
    it(
      name,
      () => {
        const report = fuzz(
          name,
          seeds,
          (b) => {
            const f = outcome(() => full(b));
            const l = outcome(() => lazy(b));
            // the lazy path accepts exactly what the full decoder accepts
            expect(l.ok, 'lazy and full decoders disagree').toBe(f.ok);
            if (!f.ok || !l.ok) throw new DecodeError('refused');
            // and what it forwards unread decodes to what the full decoder read
            expect(normalize(full(encode(l.v)))).toEqual(normalize(f.v));
          },
          isDecodeRefusal,
        );
        expect(report.accepted).toBeGreaterThan(0);
        expect(report.refused).toBeGreaterThan(0);
      },
      TIMEOUT,
    );
  lazyCase('traces', [encodeTraces(genTraces())], decodeTraces, decodeTracesLazy, (d) =>
    encodeTraces(d as TracesData),
  );
  lazyCase('logs', [encodeLogs(genLogs())], decodeLogs, decodeLogsLazy, (d) => encodeLogs(d as LogsData));

  it(
    'metrics',
    () => {
      const report = fuzz(
        'metrics',
        [encodeMetrics(genMetrics())],
        (b) => {
          const d = decodeMetrics(b);
          expect(normalize(decodeMetrics(encodeMetrics(d)))).toEqual(normalize(d));
        },
        isDecodeRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe('fuzz: OTLP/JSON', () => {
  for (const [signal, data] of [
    ['traces', genTraces()],
    ['metrics', genMetrics()],
    ['logs', genLogs()],
  ] as const) {
    it(
      signal,
      () => {
        const codec = otlpJson[signal] as { decode(t: string): unknown; encode(d: unknown): string };
        const report = fuzz(
          `json ${signal}`,
          [codec.encode(data)],
          (text) => {
            const d = codec.decode(text);
            expect(normalize(codec.decode(codec.encode(d)))).toEqual(normalize(d));
          },
          isDecodeRefusal,
        );
        expect(report.refused).toBeGreaterThan(0);
      },
      TIMEOUT,
    );
  }
});

describe('fuzz: Jaeger', () => {
  const dir = `${CONFORMANCE_DIR}jaeger/jaeger-thrift-json-fixtures`;
  const batches = [1, 2].map((n) => parseJsonBatch(readFileSync(`${dir}/thrift_batch_0${n}.json`, 'utf8')));

  it(
    'thrift binary Batch (thrift_http)',
    () => {
      fuzz(
        'thrift http',
        batches.map((b) => Uint8Array.from(encodeBatch(b))),
        (b) => void jaegerToTraces([decodeBatchBinary(Buffer.from(b))]),
        isJaegerRefusal,
      );
    },
    TIMEOUT,
  );

  it.each(['compact', 'binary'] as const)(
    'thrift %s emitBatch (UDP)',
    (protocol) => {
      fuzz(
        `thrift udp ${protocol}`,
        batches.map((b) => Uint8Array.from(encodeEmitBatch(b, protocol))),
        (b) => void jaegerToTraces([decodeEmitBatch(Buffer.from(b), protocol)]),
        isJaegerRefusal,
      );
    },
    TIMEOUT,
  );

  it(
    'api_v2 PostSpansRequest (gRPC)',
    () => {
      const seeds = batches.map((b) =>
        Uint8Array.from(encodePostSpansRequest(decodeBatchBinary(encodeBatch(b)))),
      );
      fuzz(
        'jaeger proto',
        seeds,
        (b) => void jaegerToTraces([decodePostSpansRequest(Buffer.from(b))]),
        isJaegerRefusal,
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: backend answers (Loki, Elasticsearch, Retry-After)', () => {
  const answers = [
    '',
    'entry for stream \'{app="a"}\' has timestamp too old: 2020-01-01T00:00:00Z',
    '{"code":3,"message":"bad"}',
    '{"took":3,"errors":false,"items":[{"create":{"status":201}}]}',
    '{"took":3,"errors":true,"items":[{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}},{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed","caused_by":{"type":"x","reason":"y"}}}},{"index":{"status":409}}]}',
  ];
  const statuses = [200, 204, 400, 404, 413, 429, 500, 503, -1, 0, 999];

  it(
    'Loki and Elasticsearch status classification',
    () => {
      let i = 0;
      fuzz(
        'backend answers',
        answers,
        (body) => {
          const status = statuses[i++ % statuses.length];
          const retryAfter = body.slice(0, 12);
          const l = classifyStatus(status, body, retryAfter);
          expect(['ok', 'split', 'retry', 'permanent']).toContain(l.kind);
          const r = classifyRequest(status, body, [retryAfter, '5'], new Set([429]));
          expect(['items', 'split', 'retry', 'permanent']).toContain(r.kind);
          const ra = parseRetryAfter(retryAfter);
          if (ra !== undefined) expect(Number.isFinite(ra) && ra >= 0).toBe(true);
        },
        () => false,
      );
    },
    TIMEOUT,
  );

  it(
    'Elasticsearch _bulk item results (a body that does not parse is retried by the sender)',
    () => {
      fuzz(
        'bulk items',
        answers,
        (body) => {
          const items = classifyItems(body, 3, new Set([429]));
          if (items) expect(items).toHaveLength(3);
        },
        (e) => e instanceof BulkAnswerError,
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: container log lines (CRI-O, containerd, Docker json-file)', () => {
  const cases = JSON.parse(
    readFileSync(`${CONFORMANCE_DIR}container-logs/otel-collector-contrib/cases.json`, 'utf8'),
  );
  const lines: string[] = [
    ...cases.single_entry_cases.map((c: { input: { body: unknown } }) => String(c.input.body)),
    ...cases.crio_field_cases.map((c: { input: string }) => c.input),
  ];
  it(
    'the container operator',
    () => {
      const errors: string[] = [];
      fuzz(
        'container lines',
        lines,
        (line) => {
          const out = runOperators(
            [{ type: 'container', add_metadata_from_file_path: false }],
            [{ body: line }],
            errors,
          );
          // on_error: send: every line comes out, parsed or as it came
          expect(out.length).toBeLessThanOrEqual(1);
        },
        () => false,
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: config YAML', () => {
  const dir = `${CONFORMANCE_DIR}collector-configs`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const seeds = files.map((f) => readFileSync(join(dir, f), 'utf8')).filter((t) => t.length < 8192);
  it(
    'loading and validating a config (as `tsunagi validate` does)',
    () => {
      fuzz(
        'config yaml',
        seeds,
        (text) => {
          // inputs stay small: the YAML library's cost for huge maps is bounded by the config caps
          const r = loadConfig(['env:TSUNAGI_FUZZ_CONFIG'], registry, {
            TSUNAGI_FUZZ_CONFIG: text.slice(0, 16384),
          });
          expect(Array.isArray(r.errors)).toBe(true);
        },
        (e) => e instanceof ConfigError,
        // validating against the whole registry takes ~10 ms an input: a third of the rounds
        Math.ceil(ITERATIONS / 3),
      );
    },
    TIMEOUT,
  );
});

describe('fuzz: Zipkin (v1 JSON/Thrift, v2 JSON/protobuf)', () => {
  const span = {
    traceId: '463ac35c9f6413ad48485a3953bb6124',
    id: 'a2fb4a1d1a96d312',
    parentId: '0020000000000001',
    name: 'get',
    kind: 'SERVER',
    timestamp: 1556604172355737,
    duration: 1431,
    localEndpoint: { serviceName: 'backend', ipv4: '192.168.99.101', port: 9000 },
    remoteEndpoint: { ipv6: '2001:db8::c001', port: 63070 },
    annotations: [{ timestamp: 1556604172355800, value: 'retry' }],
    tags: { 'http.path': '/api', error: 'true', 'http.status_code': '500' },
  };
  const v1 = [
    {
      traceId: '5af7183fb1d4cf5f',
      name: 'get',
      id: '352bff9a74ca9ad2',
      parentId: '6b221d5bc9e6496c',
      timestamp: 1556604172355737,
      duration: 1431,
      annotations: [
        { timestamp: 1556604172355737, value: 'sr', endpoint: { serviceName: 'b', ipv4: '1.2.3.4' } },
      ],
      binaryAnnotations: [
        { key: 'lc', value: 'x' },
        { key: 'sa', value: true, endpoint: { serviceName: 'db', ipv4: '10.0.0.2', port: 5432 } },
      ],
    },
  ];
  const require = createRequire(import.meta.url);
  const thriftEncoder = require('zipkin-encoder-thrift') as { encode(span: unknown): Buffer };
  /** v1 Thrift list<Span> (zipkin-encoder-thrift writes one Span struct; the list header is ours). */
  const thrift = Buffer.concat([
    Buffer.from([12, 0, 0, 0, 2]),
    ...[1, 2].map((n) =>
      thriftEncoder.encode({
        traceId: '000000000000000a',
        id: `000000000000000${n}`,
        name: 'get',
        kind: n === 1 ? 'CLIENT' : 'SERVER',
        timestamp: 1_700_000_000_000_000,
        duration: 10,
        localEndpoint: { serviceName: 'svc', ipv4: '10.0.0.1', port: 80 },
        remoteEndpoint: { serviceName: 'db', ipv4: '10.0.0.2', port: 5432 },
        annotations: [{ timestamp: 1_700_000_000_000_005, value: 'x' }],
        tags: { k: 'v' },
      }),
    ),
  ]);
  const isZipkinRefusal = (e: unknown) => e instanceof ZipkinDecodeError || e instanceof DecodeLimitError;

  it.each([
    ['http_v2_json', JSON.stringify([span, { ...span, id: 'a2fb4a1d1a96d313', kind: 'CLIENT' }])],
    ['http_v1_json', JSON.stringify(v1)],
  ] as const)(
    '%s',
    (transport, seed) => {
      const report = fuzz(
        `zipkin ${transport}`,
        [seed],
        (text) => void zipkinDecode(transport, Buffer.from(text), true),
        isZipkinRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'http_v2_proto',
    async () => {
      const root = await protobuf.load(`${CONFORMANCE_DIR}proto/jaeger/proto/zipkin.proto`);
      const List = root.lookupType('zipkin.proto3.ListOfSpans');
      const seed = List.encode(
        List.fromObject({
          spans: [
            {
              traceId: Buffer.from(span.traceId, 'hex'),
              id: Buffer.from(span.id, 'hex'),
              parentId: Buffer.from(span.parentId, 'hex'),
              kind: 'SERVER',
              name: 'get',
              timestamp: span.timestamp,
              duration: span.duration,
              localEndpoint: { serviceName: 'svc', ipv4: Buffer.from([10, 0, 0, 1]), port: 80 },
              remoteEndpoint: { ipv6: Buffer.alloc(16, 1), port: 5432 },
              annotations: [{ timestamp: span.timestamp + 1, value: 'hit' }],
              tags: span.tags,
            },
          ],
        }),
      ).finish();
      const report = fuzz(
        'zipkin http_v2_proto',
        [Uint8Array.from(seed)],
        (b) => void zipkinDecode('http_v2_proto', Buffer.from(b), true),
        isZipkinRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'http_v1_thrift',
    () => {
      const report = fuzz(
        'zipkin http_v1_thrift',
        [Uint8Array.from(thrift)],
        (b) => void zipkinDecode('http_v1_thrift', Buffer.from(b), false),
        isZipkinRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe('fuzz: Fluent forward frames (frame scanner + frame decoder + PackedForward entries)', () => {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const record = { log: 'hello', level: 'info', n: 42, f: 1.5, nested: { a: [1, 'x', null, true] } };
  const entries = Buffer.concat([
    packr.pack([1_700_000_000, record]),
    packr.pack([1_700_000_001, { message: 'm' }]),
  ]);
  const seeds = [
    packr.pack(['app.tag', 1_700_000_000, record, { chunk: 'c1' }]), // Message
    packr.pack([
      'app.tag',
      [
        [1_700_000_000, record],
        [1_700_000_002, {}],
      ],
      { chunk: 'c2' },
    ]), // Forward
    packr.pack(['app.tag', entries]), // PackedForward
    packr.pack(['app.tag', entries, { compressed: 'text', size: 2 }]),
  ].map((b) => Uint8Array.from(b));
  const isFluentRefusal = (e: unknown) => e instanceof MsgpackError || e instanceof DecodeLimitError;

  it(
    'frames as they arrive on a connection',
    () => {
      const report = fuzz(
        'fluent forward frame',
        seeds,
        (b) => {
          const buf = Buffer.from(b);
          const scanner = new FrameScanner(64 * 1024 * 1024);
          const len = scanner.scan(buf, 0, buf.length);
          if (len < 0) return; // incomplete: the connection waits for more bytes
          const f = decodeFrame(buf, 0, len);
          if (f.kind === 'compressed') decodeEntries(Buffer.from(f.entries), f.tag);
        },
        isFluentRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'PackedForward entries',
    () => {
      const report = fuzz(
        'fluent forward entries',
        [Uint8Array.from(entries)],
        (b) => void decodeEntries(Buffer.from(b), 'app.tag'),
        isFluentRefusal,
      );
      expect(report.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
