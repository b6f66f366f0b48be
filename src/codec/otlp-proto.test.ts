import { describe, expect, it } from 'vitest';
import type { Signal } from '../pdata/signal.js';
import {
  DecodeError,
  decodeExportResponse,
  decodeRpcStatus,
  decodeTraces,
  encodeExportResponse,
  encodeRpcStatus,
  encodeTraces,
  otlpProto,
} from './otlp-proto.js';
import { genLogs, genMetrics, genTraces } from './testing/fixtures.js';
import { normalize, oracleDecode, oracleEncode, responseType } from './testing/oracle.js';

const cases: [Signal, () => unknown][] = [
  ['traces', genTraces],
  ['metrics', genMetrics],
  ['logs', genLogs],
];

describe.each(cases)('otlp proto %s against protobufjs', (signal, gen) => {
  const codec = otlpProto[signal] as { decode(b: Uint8Array): unknown; encode(d: unknown): Uint8Array };

  it('ours encode → protobufjs decode gives the same data', () => {
    const data = gen();
    expect(oracleDecode(signal, codec.encode(data))).toEqual(normalize(data));
  });

  it('protobufjs encode → ours decode gives the same data', () => {
    const data = gen();
    expect(normalize(codec.decode(oracleEncode(signal, data)))).toEqual(normalize(data));
  });

  it('round-trips to identical bytes and data', () => {
    const data = gen();
    const bytes = codec.encode(data);
    const back = codec.decode(bytes);
    expect(normalize(back)).toEqual(normalize(data));
    expect(Buffer.from(codec.encode(back))).toEqual(Buffer.from(bytes));
  });

  it('decodes an empty request', () => {
    expect(normalize(codec.decode(new Uint8Array(0)))).toEqual(oracleDecode(signal, new Uint8Array(0)));
    expect(codec.encode(codec.decode(new Uint8Array(0))).length).toBe(0);
  });
});

describe('export response and rpc status', () => {
  it.each(['traces', 'metrics', 'logs'] as Signal[])('%s partial success matches protobufjs', (signal) => {
    const t = responseType(signal);
    expect(encodeExportResponse(signal, 0, '').length).toBe(0);
    const buf = encodeExportResponse(signal, 3n, 'bad ünicode');
    const o = t.toObject(t.decode(buf), { longs: String }) as any;
    const ps = o.partialSuccess;
    const rejected = ps.rejectedSpans ?? ps.rejectedDataPoints ?? ps.rejectedLogRecords;
    expect([rejected, ps.errorMessage]).toEqual(['3', 'bad ünicode']);
    expect(decodeExportResponse(signal, buf)).toEqual({ rejected: 3n, errorMessage: 'bad ünicode' });
    expect(decodeExportResponse(signal, new Uint8Array(0))).toEqual({ rejected: 0n, errorMessage: '' });
    const big = encodeExportResponse(signal, (1n << 62n) + 1n, '');
    expect(decodeExportResponse(signal, big).rejected).toBe((1n << 62n) + 1n);
  });

  it('google.rpc.Status', () => {
    const buf = encodeRpcStatus(3, 'invalid trace id');
    expect(Buffer.from(buf).toString('hex')).toBe(
      `0803121069${Buffer.from('nvalid trace id').toString('hex')}`,
    );
    expect(decodeRpcStatus(buf)).toEqual({ code: 3, message: 'invalid trace id' });
    expect(decodeRpcStatus(encodeRpcStatus(0, ''))).toEqual({ code: 0, message: '' });
  });
});

describe('decoding details', () => {
  it('skips unknown fields of every wire type', () => {
    // ResourceSpans{ unknown field 9 varint, unknown 10 fixed64, unknown 11 bytes, unknown 12 fixed32, group 13 }
    const unknown = Buffer.from([
      0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x02, 0xaa, 0xbb, 0x65, 1, 2, 3, 4, 0x6b, 0x08,
      0x01, 0x6c,
    ]);
    const body = Buffer.concat([unknown, Buffer.from([0x1a, 0x01, 0x73])]); // schema_url = "s"
    const req = Buffer.concat([Buffer.from([0x0a, body.length]), body, Buffer.from([0x10, 0x05])]);
    const d = decodeTraces(req);
    expect(d.resourceSpans).toHaveLength(1);
    expect(d.resourceSpans[0].schemaUrl).toBe('s');
  });

  it('IDs are zero-copy views into the input', () => {
    const bytes = encodeTraces(genTraces());
    const span = decodeTraces(bytes).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId.buffer).toBe(bytes.buffer);
  });

  it('accepts unpacked repeated scalars', () => {
    // HistogramDataPoint{ bucket_counts unpacked: 6/fixed64 x2, explicit_bounds unpacked: 7/double }
    const dp = Buffer.concat([
      Buffer.from([0x31, 1, 0, 0, 0, 0, 0, 0, 0, 0x31, 2, 0, 0, 0, 0, 0, 0, 0, 0x39]),
      Buffer.from(new Float64Array([2.5]).buffer),
    ]);
    const hist = Buffer.concat([Buffer.from([0x0a, dp.length]), dp]);
    const metric = Buffer.concat([Buffer.from([0x4a, hist.length]), hist]);
    const sm = Buffer.concat([Buffer.from([0x12, metric.length]), metric]);
    const rm = Buffer.concat([Buffer.from([0x12, sm.length]), sm]);
    const req = Buffer.concat([Buffer.from([0x0a, rm.length]), rm]);
    const p =
      otlpProto.metrics.decode(req).resourceMetrics[0].scopeMetrics[0].metrics[0].histogram!.dataPoints[0];
    expect(p.bucketCounts).toEqual([1n, 2n]);
    expect(p.explicitBounds).toEqual([2.5]);
  });
});

/** Wraps `span` bytes into an ExportTraceServiceRequest with one resource and scope. */
function traceReq(span: Buffer, spansBefore = 0): Buffer {
  const ss = Buffer.concat([
    ...Array.from({ length: spansBefore }, () => Buffer.from([0x12, 0x00])),
    Buffer.from([0x12, span.length]),
    span,
  ]);
  const rs = Buffer.concat([Buffer.from([0x12, 0x00]), Buffer.from([0x12, ss.length]), ss]);
  return Buffer.concat([Buffer.from([0x0a, rs.length]), rs]);
}

function decodeErr(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('malformed protobuf', () => {
  it('truncated message names the offset and the innermost location', () => {
    const span = Buffer.from([0x0a, 0x10, ...new Uint8Array(16), 0x2a, 0x04, 0x61, 0x62, 0x63, 0x64]);
    const full = traceReq(span, 4);
    const e = decodeErr(() => decodeTraces(full.subarray(0, full.length - 2)));
    expect(e.message).toBe(
      `truncated message at offset ${full.length - 4} in resource_spans[0].scope_spans[1].spans[4]`,
    );
    expect(decodeErr(() => decodeTraces(Buffer.from([0x0a]))).message).toBe(
      'truncated message at offset 1 in resource_spans[0]',
    );
  });

  it('invalid wire types', () => {
    expect(decodeErr(() => decodeTraces(Buffer.from([0x0f]))).message).toBe(
      'invalid wire type 7 at offset 0',
    );
    expect(decodeErr(() => decodeTraces(Buffer.from([0x0e]))).message).toBe(
      'invalid wire type 6 at offset 0',
    );
    // span.name (field 5) sent as a varint
    const e = decodeErr(() => decodeTraces(traceReq(Buffer.from([0x28, 0x01]))));
    expect(e.message).toBe(
      'invalid wire type 0 for name (field 5), expected 2 in resource_spans[0].scope_spans[1].spans[0]',
    );
    expect(decodeErr(() => decodeTraces(Buffer.from([0x00]))).message).toBe(
      'invalid field number 0 at offset 0',
    );
  });

  it('bad varints', () => {
    const eleven = Buffer.from([0x10, ...new Array(10).fill(0xff), 0x01]);
    expect(decodeErr(() => decodeTraces(eleven)).message).toBe(
      'invalid varint (more than 10 bytes) at offset 1',
    );
    expect(decodeErr(() => decodeTraces(Buffer.from([0x10, 0x80]))).message).toBe(
      'truncated message at offset 1',
    );
  });

  it('invalid ID lengths', () => {
    const e = decodeErr(() => decodeTraces(traceReq(Buffer.from([0x0a, 0x03, 1, 2, 3]))));
    expect(e.message).toBe(
      'span.trace_id must be 16 bytes, got 3 in resource_spans[0].scope_spans[1].spans[0]',
    );
    expect(e.reason).toBe('span.trace_id must be 16 bytes, got 3');
    const e2 = decodeErr(() => decodeTraces(traceReq(Buffer.from([0x12, 0x10, ...new Uint8Array(16)]))));
    expect(e2.message).toMatch(/^span.span_id must be 8 bytes, got 16 in /);
    const e3 = decodeErr(() => decodeTraces(traceReq(Buffer.from([0x22, 0x01, 9]))));
    expect(e3.message).toMatch(/^span.parent_span_id must be 8 bytes, got 1 in /);
    const link = Buffer.from([0x6a, 0x04, 0x12, 0x02, 1, 2]);
    expect(decodeErr(() => decodeTraces(traceReq(link))).message).toBe(
      'link.span_id must be 8 bytes, got 2 in resource_spans[0].scope_spans[1].spans[0].links[0]',
    );
    const logs = otlpProto.logs.encode(genLogs());
    const bad = genLogs();
    bad.resourceLogs[0].scopeLogs[0].logRecords[1].traceId = new Uint8Array(5);
    expect(() => otlpProto.logs.decode(logs)).not.toThrow();
    expect(decodeErr(() => otlpProto.logs.decode(otlpProto.logs.encode(bad))).message).toBe(
      'log_record.trace_id must be 16 bytes, got 5 in resource_logs[0].scope_logs[0].log_records[1]',
    );
    const m = genMetrics();
    m.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge!.dataPoints[0].exemplars[0].spanId = new Uint8Array(
      4,
    );
    expect(decodeErr(() => otlpProto.metrics.decode(otlpProto.metrics.encode(m))).message).toBe(
      'exemplar.span_id must be 8 bytes, got 4 in resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[0].exemplars[0]',
    );
  });
});
