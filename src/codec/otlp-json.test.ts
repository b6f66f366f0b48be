import { describe, expect, it } from 'vitest';
import type { Signal } from '../pdata/signal.js';
import {
  DecodeError,
  decodeExportResponseJson,
  decodeRpcStatusJson,
  decodeTracesJson,
  encodeExportResponseJson,
  encodeRpcStatusJson,
  otlpJson,
} from './otlp-json.js';
import { otlpProto } from './otlp-proto.js';
import { emptySpan, genLogs, genMetrics, genTraces } from './testing/fixtures.js';
import { normalize, oracleDecode } from './testing/oracle.js';

const cases: [Signal, () => unknown][] = [
  ['traces', genTraces],
  ['metrics', genMetrics],
  ['logs', genLogs],
];

describe.each(cases)('otlp json %s', (signal, gen) => {
  const json = otlpJson[signal] as { decode(t: string | Uint8Array): unknown; encode(d: unknown): string };
  const proto = otlpProto[signal] as { decode(b: Uint8Array): unknown; encode(d: unknown): Uint8Array };

  it('round-trips every field (64-bit edges, NaN/Infinity, -0, empty vs default values)', () => {
    const data = gen();
    const text = json.encode(data);
    expect(normalize(json.decode(text))).toEqual(normalize(data));
    expect(normalize(json.decode(Buffer.from(text)))).toEqual(normalize(data));
  });

  it('agrees with the protobuf codec and the protobufjs oracle', () => {
    const data = json.decode(json.encode(gen()));
    expect(oracleDecode(signal, proto.encode(data))).toEqual(normalize(gen()));
  });
});

describe('encoding follows the OTLP/JSON rules', () => {
  const d = genTraces();
  const out = JSON.parse(otlpJson.traces.encode(d));
  const span = out.resourceSpans[0].scopeSpans[0].spans[1];

  it('hex IDs, integer enums, 64-bit integers as strings, lowerCamelCase keys', () => {
    expect(span.traceId).toBe(Buffer.from(d.resourceSpans[0].scopeSpans[0].spans[1].traceId).toString('hex'));
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.kind).toBe(1);
    expect(span.startTimeUnixNano).toBe('1');
    expect(span.endTimeUnixNano).toBe('1700000000123456790');
    expect(span.status).toEqual({ message: 'boom', code: 2 });
    expect(Object.keys(span)).toContain('droppedAttributesCount');
  });

  it('omits default values', () => {
    const empty = JSON.parse(
      otlpJson.traces.encode({ resourceSpans: [{ ...genTraces().resourceSpans[1] }] }),
    );
    expect(empty).toEqual({ resourceSpans: [{}] });
    const s = emptySpan();
    s.name = 'x';
    const one = JSON.parse(
      otlpJson.traces.encode({
        resourceSpans: [
          {
            resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
            scopeSpans: [
              {
                scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
                spans: [s],
                schemaUrl: '',
              },
            ],
            schemaUrl: '',
          },
        ],
      }),
    );
    expect(one).toEqual({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x' }] }] }] });
  });

  it('writes oneof members even when they hold a default, and NaN/Infinity as strings', () => {
    const kvs = JSON.parse(
      otlpJson.logs.encode({
        resourceLogs: [
          {
            resource: {
              attributes: [
                { key: 'e', value: { stringValue: '' } },
                { key: 'i', value: { intValue: 0n } },
                { key: 'n', value: { doubleValue: Number.NaN } },
                { key: 'inf', value: { doubleValue: Number.NEGATIVE_INFINITY } },
                { key: 'b', value: { bytesValue: new Uint8Array([1, 2, 3]) } },
                { key: 'u', value: {} },
              ],
              droppedAttributesCount: 0,
              entityRefs: [],
            },
            scopeLogs: [],
            schemaUrl: '',
          },
        ],
      }),
    ).resourceLogs[0].resource.attributes;
    expect(kvs).toEqual([
      { key: 'e', value: { stringValue: '' } },
      { key: 'i', value: { intValue: '0' } },
      { key: 'n', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: '-Infinity' } },
      { key: 'b', value: { bytesValue: 'AQID' } },
      { key: 'u' },
    ]);
  });
});

describe('decoding is lenient where the protobuf JSON mapping is', () => {
  it('accepts snake_case keys, enum names, 64-bit numbers, null for defaults, unknown keys', () => {
    const d = decodeTracesJson(
      JSON.stringify({
        resource_spans: [
          {
            resource: null,
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: '5B8EFFF798038103D269B633813FC60C',
                    span_id: 'eee19b7ec3c1b174',
                    parent_span_id: '',
                    kind: 'SPAN_KIND_CLIENT',
                    start_time_unix_nano: 1544712660000000000,
                    end_time_unix_nano: '1544712661000000000',
                    dropped_attributes_count: '3',
                    status: { code: 'STATUS_CODE_ERROR', message: null },
                    attributes: [{ key: 'k', value: { int_value: 42 } }],
                    somethingNew: { a: 1 },
                  },
                ],
              },
            ],
          },
        ],
        extra: true,
      }),
    );
    const s = d.resourceSpans[0].scopeSpans[0].spans[0];
    expect(s.kind).toBe(3);
    expect(s.status).toEqual({ code: 2, message: '' });
    expect(s.startTimeUnixNano).toBe(1544712660000000000n);
    expect(s.endTimeUnixNano).toBe(1544712661000000000n);
    expect(s.droppedAttributesCount).toBe(3);
    expect(s.attributes).toEqual([{ key: 'k', value: { intValue: 42n } }]);
    expect(s.parentSpanId.length).toBe(0);
    expect(d.resourceSpans[0].resource).toEqual({
      attributes: [],
      droppedAttributesCount: 0,
      entityRefs: [],
    });
  });

  it('accepts metric enum names and uint64 numbers (older examples)', () => {
    const d = otlpJson.metrics.decode(
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"aggregation_temporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","dataPoints":[{"count":2,"bucketCounts":[1,1],"explicitBounds":[1,"Infinity"],"sum":"NaN"}]}}]}]}]}',
    );
    const h = d.resourceMetrics[0].scopeMetrics[0].metrics[0].histogram!;
    expect(h.aggregationTemporality).toBe(2);
    expect(h.dataPoints[0].count).toBe(2n);
    expect(h.dataPoints[0].bucketCounts).toEqual([1n, 1n]);
    expect(h.dataPoints[0].explicitBounds).toEqual([1, Number.POSITIVE_INFINITY]);
    expect(h.dataPoints[0].sum).toBeNaN();
  });

  it('decodes 64-bit fields given as JSON numbers beyond 2^53 exactly', () => {
    // Hand-written text: JSON.stringify cannot produce these literals from JS numbers.
    const d = decodeTracesJson(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"","name":"s",
        "startTimeUnixNano": 1700000000123456789,"endTimeUnixNano":18446744073709551615,
        "attributes":[
          {"key":"max","value":{"intValue":9223372036854775807}},
          {"key":"min","value":{"intValue":-9223372036854775808}},
          {"key":"big","value":{"arrayValue":{"values":[{"intValue":4611686018427387904}]}}},
          {"key":"dbl","value":{"doubleValue":12345678901234567890}},
          {"key":"exp","value":{"doubleValue":1.5e300}},
          {"key":"txt","value":{"stringValue":"n:12345678901234567890 \\" ,-9223372036854775807"}}
        ]}]}]}]}`,
    );
    const s = d.resourceSpans[0].scopeSpans[0].spans[0];
    expect(s.startTimeUnixNano).toBe(1700000000123456789n);
    expect(s.endTimeUnixNano).toBe(18446744073709551615n);
    expect(s.attributes.map((a) => a.value)).toEqual([
      { intValue: 9223372036854775807n },
      { intValue: -9223372036854775808n },
      { arrayValue: { values: [{ intValue: 4611686018427387904n }] } },
      { doubleValue: Number('12345678901234567890') },
      { doubleValue: 1.5e300 },
      { stringValue: 'n:12345678901234567890 " ,-9223372036854775807' },
    ]);
  });

  it('rejects 64-bit JSON numbers out of range with the field and the exact value', () => {
    const doc = (v: string) =>
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"intValue":${v}}}]}]}]}]}`;
    expect(err(() => decodeTracesJson(doc('9223372036854775808')))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: 9223372036854775808 is out of range for int64',
    );
    expect(
      err(() =>
        decodeTracesJson(
          '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":18446744073709551616}]}]}]}',
        ),
      ),
    ).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: 18446744073709551616 is out of range for uint64',
    );
  });

  it('accepts a UTF-8 BOM and bytes input', () => {
    expect(decodeTracesJson(Buffer.from('\ufeff{"resourceSpans":[]}'))).toEqual({ resourceSpans: [] });
    expect(decodeTracesJson('{}')).toEqual({ resourceSpans: [] });
  });
});

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as Error).message;
  }
  throw new Error('expected a DecodeError');
}

const spanDoc = (span: Record<string, unknown>, before = 0) =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [...Array(before).fill({}), span] }] }] });

describe('malformed JSON', () => {
  it('invalid JSON and wrong top-level shapes', () => {
    expect(err(() => decodeTracesJson('{"resourceSpans": ['))).toMatch(/^invalid JSON: /);
    expect(err(() => decodeTracesJson('[]'))).toBe('expected a JSON object, got array');
    expect(err(() => decodeTracesJson('{"resourceSpans": {}}'))).toBe(
      'resourceSpans: expected an array, got object',
    );
    expect(err(() => decodeTracesJson('{"resourceSpans": [3]}'))).toBe(
      'resourceSpans[0]: expected an object, got number',
    );
  });

  it('IDs of the wrong length or not hex', () => {
    expect(err(() => decodeTracesJson(spanDoc({ traceId: 'abcdef' }, 2)))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[2].traceId: expected 32 hex characters, got 6',
    );
    expect(err(() => decodeTracesJson(spanDoc({ spanId: 'zz000000000000zz' })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].spanId: invalid hex character at position 0',
    );
    expect(err(() => decodeTracesJson(spanDoc({ links: [{ traceId: 5 }] })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].links[0].traceId: expected a hex string, got number',
    );
    expect(
      err(() =>
        otlpJson.logs.decode('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"0102"}]}]}]}'),
      ),
    ).toBe('resourceLogs[0].scopeLogs[0].logRecords[0].spanId: expected 16 hex characters, got 4');
  });

  it('wrong value types', () => {
    expect(err(() => decodeTracesJson(spanDoc({ name: 5 })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got number',
    );
    expect(
      err(() => decodeTracesJson(spanDoc({ attributes: [{ key: 'a', value: { boolValue: 'yes' } }] }))),
    ).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.boolValue: expected a boolean, got string',
    );
    expect(err(() => decodeTracesJson(spanDoc({ attributes: {} })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes: expected an array, got object',
    );
    expect(err(() => decodeTracesJson(spanDoc({ kind: 'SPAN_KIND_WHATEVER' })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum value "SPAN_KIND_WHATEVER"',
    );
    expect(err(() => decodeTracesJson(spanDoc({ droppedAttributesCount: -1 })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount: -1 is out of range',
    );
    expect(
      err(() =>
        decodeTracesJson(
          spanDoc({ attributes: [{ key: 'a', value: { arrayValue: { values: [{ bytesValue: '%%' }] } } }] }),
        ),
      ),
    ).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue.values[0].bytesValue: invalid base64',
    );
  });

  it('64-bit strings that are not integers', () => {
    expect(err(() => decodeTracesJson(spanDoc({ startTimeUnixNano: '1.5' })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected a decimal integer string, got "1.5"',
    );
    expect(err(() => decodeTracesJson(spanDoc({ endTimeUnixNano: 'abc' })))).toMatch(
      /endTimeUnixNano: expected a decimal/,
    );
    expect(err(() => decodeTracesJson(spanDoc({ startTimeUnixNano: '-1' })))).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: -1 is out of range for uint64',
    );
    expect(err(() => decodeTracesJson(spanDoc({ endTimeUnixNano: '18446744073709551616' })))).toMatch(
      /out of range for uint64$/,
    );
    expect(
      err(() => decodeTracesJson(spanDoc({ attributes: [{ value: { intValue: '9223372036854775808' } }] }))),
    ).toMatch(/attributes\[0\]\.value\.intValue: 9223372036854775808 is out of range for int64$/);
    expect(err(() => decodeTracesJson(spanDoc({ startTimeUnixNano: 1.5 })))).toMatch(
      /expected an integer, got 1.5$/,
    );
    expect(err(() => decodeTracesJson(spanDoc({ startTimeUnixNano: true })))).toMatch(
      /expected an integer string, got boolean$/,
    );
  });

  it('metric paths', () => {
    expect(
      err(() =>
        otlpJson.metrics.decode(
          '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m"},{"sum":{"dataPoints":[{"asInt":"x"}]}}]}]}]}',
        ),
      ),
    ).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints[0].asInt: expected a decimal integer string, got "x"',
    );
  });
});

describe('export response and rpc status JSON', () => {
  it.each([
    ['traces', 'rejectedSpans'],
    ['metrics', 'rejectedDataPoints'],
    ['logs', 'rejectedLogRecords'],
  ] as [Signal, string][])('%s', (signal, key) => {
    expect(encodeExportResponseJson(signal, 0, '')).toBe('{}');
    const s = encodeExportResponseJson(signal, 2n, 'bad "span"');
    expect(JSON.parse(s)).toEqual({ partialSuccess: { [key]: '2', errorMessage: 'bad "span"' } });
    expect(decodeExportResponseJson(signal, s)).toEqual({ rejected: 2n, errorMessage: 'bad "span"' });
    expect(decodeExportResponseJson(signal, '{}')).toEqual({ rejected: 0n, errorMessage: '' });
  });

  it('google.rpc.Status', () => {
    expect(encodeRpcStatusJson(3, 'bad')).toBe('{"code":3,"message":"bad"}');
    expect(decodeRpcStatusJson('{"code":3,"message":"bad","details":[]}')).toEqual({
      code: 3,
      message: 'bad',
    });
  });
});

describe('nesting limit', () => {
  function nestedTraces(levels: number) {
    let v: any = { stringValue: 'leaf' };
    for (let i = 0; i < levels; i++)
      v = i % 2 ? { arrayValue: { values: [v] } } : { kvlistValue: { values: [{ key: 'k', value: v }] } };
    const d = genTraces();
    d.resourceSpans[0].resource.attributes = [{ key: 'deep', value: v }];
    return d;
  }

  it('accepts 90 levels of nested AnyValues and rejects 150 (proto and JSON)', () => {
    const ok = nestedTraces(90);
    expect(normalize(otlpProto.traces.decode(otlpProto.traces.encode(ok)))).toEqual(normalize(ok));
    expect(normalize(otlpJson.traces.decode(otlpJson.traces.encode(ok)))).toEqual(normalize(ok));
    const deep = nestedTraces(150);
    expect(err(() => otlpProto.traces.decode(otlpProto.traces.encode(deep)))).toMatch(
      /^AnyValue nested deeper than 100 levels at offset \d+ in resource_spans\[0\]\.resource\.attributes\[0\]\.value\.(array|kvlist)_value/,
    );
    expect(err(() => otlpJson.traces.decode(otlpJson.traces.encode(deep)))).toMatch(
      /^resourceSpans\[0\]\.resource\.attributes\[0\]\.value\.(arrayValue|kvlistValue)\.values\[0\].*: AnyValue nested deeper than 100 levels$/,
    );
  });
});

describe('null members', () => {
  it('"doubleValue": null is an unset value, not 0 (the C++ SDK sends NaN and infinities that way)', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'nan', value: { doubleValue: null } },
              { key: 'also', value: { stringValue: null, intValue: null, boolValue: null } },
              { key: 'kept', value: { doubleValue: null, intValue: '7' } },
            ],
          },
        },
      ],
    });
    const attrs = decodeTracesJson(body).resourceSpans[0].resource.attributes;
    expect(attrs).toEqual([
      { key: 'nan', value: {} },
      { key: 'also', value: {} },
      { key: 'kept', value: { intValue: 7n } },
    ]);
  });
});
