// The hand-written PushRequest writer against the upstream proto (protobufjs) and the JSON form.
import { describe, expect, it } from 'vitest';
import { loadPushRequest } from '../../test/support/loki-standin.js';
import { type BuilderConfig, LokiRequestBuilder } from './builder.js';
import { lokiConfigSchema } from './config.js';
import { encodeJsonPush } from './encode-json.js';
import { encodePushRequest } from './encode-proto.js';
import { CardinalityGuard } from './labels.js';
import { logs, record, resourceLogs, SPAN_ID, TRACE_ID } from './testdata.js';

const PushRequest = loadPushRequest();

async function request() {
  const cfg = lokiConfigSchema.parse({ endpoint: 'http://loki:3100' }) as BuilderConfig;
  const b = new LokiRequestBuilder(cfg, new CardinalityGuard(10, () => {}));
  const data = logs(
    resourceLogs({ 'service.name': 'a', 'host.name': 'h1', region: 'ü-1' }, [
      record('first ✓', {
        timeUnixNano: 1_700_000_000_000_000_001n,
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        attrs: { k: 'v' },
      }),
      record('', { timeUnixNano: 1_700_000_001_000_000_000n }),
    ]),
    resourceLogs({ 'service.name': 'b' }, [
      record('x'.repeat(300), { timeUnixNano: 1_700_000_000_500_000_000n }),
    ]),
  );
  return (await b.build(data, undefined, 1_700_000_000_000)).requests[0];
}

describe('loki encoders', async () => {
  it('writes a PushRequest that the upstream proto decodes to the same streams', async () => {
    const req = await request();
    const msg = PushRequest.toObject(PushRequest.decode(encodePushRequest(req)), {
      longs: String,
      defaults: true,
    }) as {
      streams: {
        labels: string;
        entries: {
          timestamp: { seconds: string; nanos: number };
          line: string;
          structuredMetadata: { name: string; value: string }[];
        }[];
      }[];
    };
    expect(msg.streams.map((s) => s.labels)).toEqual(['{service_name="a"}', '{service_name="b"}']);
    const [e0, e1] = msg.streams[0].entries;
    expect(e0.timestamp).toEqual({ seconds: '1700000000', nanos: 1 });
    expect(e0.line).toBe('first ✓');
    expect(e0.structuredMetadata).toEqual([
      { name: 'host_name', value: 'h1' },
      { name: 'region', value: 'ü-1' },
      { name: 'scope_name', value: 'test-scope' },
      { name: 'scope_version', value: '1.0.0' },
      { name: 'k', value: 'v' },
      { name: 'trace_id', value: '5b8efff798038103d269b633813fc60c' },
      { name: 'span_id', value: 'eee19b7ec3c1b174' },
    ]);
    expect(e1).toMatchObject({ timestamp: { seconds: '1700000001', nanos: 0 }, line: '' });
    expect(e1.structuredMetadata.map((p) => p.name)).toEqual([
      'host_name',
      'region',
      'scope_name',
      'scope_version',
    ]);
    expect(msg.streams[1].entries[0].line).toBe('x'.repeat(300));
  });

  it('writes the same content as Loki JSON', async () => {
    const doc = JSON.parse(encodeJsonPush(await request()));
    expect(doc.streams[0].stream).toEqual({ service_name: 'a' });
    expect(doc.streams[0].values[0]).toEqual([
      '1700000000000000001',
      'first ✓',
      {
        host_name: 'h1',
        region: 'ü-1',
        scope_name: 'test-scope',
        scope_version: '1.0.0',
        k: 'v',
        trace_id: '5b8efff798038103d269b633813fc60c',
        span_id: 'eee19b7ec3c1b174',
      },
    ]);
  });
});

describe('loki protobuf writer: string lengths on varied text', () => {
  // The writer measures short strings itself (ASCII loop) and long ones natively: both must
  // give the bytes protobufjs writes from the upstream proto, for every kind of text.
  const texts = [
    'a',
    'GET',
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(65),
    `${'y'.repeat(62)}é`,
    `é${'y'.repeat(70)}`,
    'ü-1',
    'emoji 🎉 here',
    'lone \ud800 surrogate',
    'tab\tquote"backslash\\',
    '\u007f\u0080\u07ff\u0800\uffff',
    '日本語のログ行',
  ];

  // A lone surrogate is written as U+FFFD (as Buffer does; protobufjs would write WTF-8):
  // the reference gets the well-formed text.
  const wf = (t: string) => Buffer.from(t).toString();

  it('writes byte for byte what the reference encoder writes', () => {
    const sm = (i: number) => [`name_${i}`, texts[i % texts.length], texts[(i + 3) % texts.length], 'v'];
    const req = {
      tenant: '',
      count: texts.length,
      streams: [
        {
          labels: `{job="${texts[1]}", region="${texts[7]}"}`,
          entries: texts.map((line, i) => ({
            sec: 1_700_000_000,
            nanos: 1 + i,
            line,
            smResource: ['host_name', texts[(i + 5) % texts.length]],
            smScope: ['scope_name', 'scope'],
            smOwn: sm(i),
            rl: 0,
            sl: 0,
            idx: 0,
          })),
        },
      ],
    };
    const reference = PushRequest.encode(
      PushRequest.fromObject({
        streams: req.streams.map((st) => ({
          labels: wf(st.labels),
          entries: st.entries.map((e) => ({
            timestamp: { seconds: String(e.sec), nanos: e.nanos },
            line: wf(e.line),
            structuredMetadata: [...e.smResource, ...e.smScope, ...e.smOwn].flatMap((v, k, all) =>
              k % 2 === 0 ? [{ name: wf(v), value: wf(all[k + 1]) }] : [],
            ),
          })),
        })),
      }),
    ).finish();
    expect(Buffer.from(encodePushRequest(req)).equals(Buffer.from(reference))).toBe(true);
  });
});
