// OTLP traces holding everything Jaeger can represent (microsecond times, so
// Thrift keeps them too): the input of the jaeger exporter tests and round trips.
import type { Span, TracesData } from '../../src/pdata/types.js';

export const id = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const s = (v: string) => ({ stringValue: v });
const T1 = id('0af7651916cd43dd8448eb211c80319c');
const T2 = id('ffffffffffffffff0000000000000001');

function span(over: Partial<Span>): Span {
  return {
    traceId: T1,
    spanId: id('b7ad6b7169203331'),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: 'op',
    kind: 0,
    startTimeUnixNano: 1_700_000_000_000_001_000n,
    endTimeUnixNano: 1_700_000_000_250_002_000n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...over,
  };
}

/** Everything Jaeger can represent (microsecond times, so Thrift keeps them too). */
export function input(): TracesData {
  const scope = (name: string, version: string) => ({
    name,
    version,
    attributes: [],
    droppedAttributesCount: 0,
  });
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: s('checkout') },
            { key: 'host.name', value: s('node-1') },
            { key: 'pid', value: { intValue: 4242n } },
          ],
          droppedAttributesCount: 0,
          entityRefs: [],
        },
        schemaUrl: '',
        scopeSpans: [
          {
            scope: scope('io.tsunagi.http', '1.4.0'),
            schemaUrl: '',
            spans: [
              span({
                name: 'GET /cart',
                kind: 2,
                flags: 1,
                traceState: 'vendor=abc',
                status: { code: 2, message: 'upstream timeout' },
                attributes: [
                  { key: 'http.method', value: s('GET') },
                  { key: 'retries', value: { intValue: -3n } },
                  { key: 'ratio', value: { doubleValue: 0.25 } },
                  { key: 'cached', value: { boolValue: false } },
                  { key: 'blob', value: { bytesValue: id('00ff10') } },
                  { key: 'big', value: { intValue: 9_223_372_036_854_775_807n } },
                ],
                events: [
                  {
                    timeUnixNano: 1_700_000_000_100_000_000n,
                    name: 'cache miss',
                    attributes: [{ key: 'key', value: s('cart:1') }],
                    droppedAttributesCount: 0,
                  },
                  {
                    timeUnixNano: 1_700_000_000_200_000_000n,
                    name: '',
                    attributes: [],
                    droppedAttributesCount: 0,
                  },
                ],
                links: [
                  {
                    traceId: T2,
                    spanId: id('0000000000000009'),
                    traceState: '',
                    attributes: [{ key: 'opentracing.ref_type', value: s('follows_from') }],
                    droppedAttributesCount: 0,
                    flags: 0,
                  },
                ],
              }),
              span({
                spanId: id('1111111111111111'),
                parentSpanId: id('b7ad6b7169203331'),
                name: 'SELECT',
                kind: 3,
                status: { code: 1, message: '' },
              }),
            ],
          },
          {
            scope: scope('', ''),
            schemaUrl: '',
            spans: [span({ spanId: id('2222222222222222'), name: 'internal', kind: 1 })],
          },
        ],
      },
      {
        resource: { attributes: [], droppedAttributesCount: 0, entityRefs: [] },
        schemaUrl: '',
        scopeSpans: [
          {
            scope: scope('', ''),
            schemaUrl: '',
            spans: [span({ traceId: T2, spanId: id('3333333333333333'), name: 'orphan', kind: 4 })],
          },
        ],
      },
    ],
  };
}
