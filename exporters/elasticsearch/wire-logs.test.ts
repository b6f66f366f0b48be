// The wire path (log documents written from the request's protobuf bytes) against the
// decoding path (logDocument on decoded records): the same bytes for the same input.
import { describe, expect, it } from 'vitest';
import { decodeLogs, decodeLogsLazy, encodeLogs } from '../../src/codec/proto-logs.js';
import {
  newLogRecord,
  newResource,
  newResourceLogs,
  newScope,
  newScopeLogs,
} from '../../src/pdata/create.js';
import { rawList } from '../../src/pdata/lazy.js';
import type { AnyValue, KeyValue, LogRecord, LogsData } from '../../src/pdata/types.js';
import { BulkBuilder, WIRE_ITEM } from './builder.js';
import { elasticsearchConfigSchema } from './config.js';
import { subsetLogs } from './subset.js';
import { kvs, RESOURCE } from './testdata.js';
import { DocBuf, otelLogDocument, ScopeParts, scopeEntries, scopeLogsWire } from './wire-logs.js';

/** Seeded PRNG (mulberry32): the same cases every run. */
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

const ODD_STRINGS = [
  '',
  'plain',
  'quote " and backslash \\ inside',
  'tab\tnewline\nreturn\rbell\u0007nul\u0000esc\u001bdel\u007f',
  'é ü ß – 日本語 🎉',
  '\u2028\u2029 line separators',
  'x'.repeat(300),
  `${'é'.repeat(70)}"${'\n'.repeat(3)}`,
  'data_stream.looks-like-a-key',
];

function value(r: () => number, depth = 0): AnyValue {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0:
      return { stringValue: ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)] };
    case 1:
      return { boolValue: r() < 0.5 };
    case 2: {
      const ints = [
        0n,
        1n,
        -1n,
        200n,
        9007199254740993n,
        -9223372036854775808n,
        9223372036854775807n,
        -4294967296n,
      ];
      return { intValue: ints[Math.floor(r() * ints.length)] };
    }
    case 3: {
      const ds = [
        0,
        -0,
        1.5,
        -2.25e-300,
        1e21,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        1 / 3,
      ];
      return { doubleValue: ds[Math.floor(r() * ds.length)] };
    }
    case 4:
      return {
        bytesValue: Uint8Array.from({ length: Math.floor(r() * 20) }, (_, i) => (i * 37 + 11) & 0xff),
      };
    case 5:
      return {};
    case 6:
      return {
        arrayValue: { values: Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1)) },
      };
    default:
      return { kvlistValue: { values: attrs(r, depth + 1) } };
  }
}

function attrs(r: () => number, depth = 0): KeyValue[] {
  return Array.from({ length: Math.floor(r() * 5) }, (_, i) => ({
    // (not the routing-looking string: a routing key sends the resource down the decoding path)
    key: r() < 0.2 ? ODD_STRINGS[Math.floor(r() * (ODD_STRINGS.length - 1))] : `k.${i}`,
    value: value(r, depth),
  }));
}

function record(r: () => number): LogRecord {
  const rec = newLogRecord();
  const t = [
    0n,
    1_700_000_000_123_456_789n,
    999_999_999n,
    1_000_000_000n,
    18_446_744_073_709_551_615n,
    4_294_967_296n * 400_000_000n,
  ];
  rec.timeUnixNano = t[Math.floor(r() * t.length)];
  rec.observedTimeUnixNano = r() < 0.3 ? 0n : 1_765_000_000_000_000_001n + BigInt(Math.floor(r() * 1e12));
  if (rec.timeUnixNano === 0n && rec.observedTimeUnixNano === 0n) rec.observedTimeUnixNano = 5n;
  rec.severityNumber = r() < 0.3 ? 0 : Math.floor(r() * 24);
  rec.severityText = r() < 0.3 ? '' : ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
  rec.body = r() < 0.15 ? {} : value(r);
  rec.attributes = attrs(r);
  rec.droppedAttributesCount = r() < 0.8 ? 0 : 3;
  rec.flags = r() < 0.5 ? 0 : r() < 0.5 ? 1 : 0x1ff;
  if (r() < 0.8) rec.traceId = Uint8Array.from({ length: 16 }, (_, i) => (i * 31 + 7) & 0xff);
  if (r() < 0.8) rec.spanId = Uint8Array.from({ length: 8 }, (_, i) => (i * 13 + 250) & 0xff);
  rec.eventName = r() < 0.7 ? '' : ODD_STRINGS[Math.floor(r() * ODD_STRINGS.length)];
  return rec;
}

function batch(seed: number, resources = 3, scopes = 2, records = 40): LogsData {
  const r = rng(seed);
  const data: LogsData = { resourceLogs: [] };
  for (let i = 0; i < resources; i++) {
    const res = newResource();
    res.attributes = i === 0 ? kvs(RESOURCE) : attrs(r);
    const rl = newResourceLogs(res);
    if (i === 1) rl.schemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
    for (let j = 0; j < scopes; j++) {
      const sl = newScopeLogs(j === 0 ? newScope('io.test', '1.2.3') : newScope());
      if (j === 1) sl.scope.attributes = attrs(r);
      if (j === 1) sl.schemaUrl = 'https://example.com/ß';
      for (let k = 0; k < records; k++) sl.logRecords.push(record(r));
      rl.scopeLogs.push(sl);
    }
    data.resourceLogs.push(rl);
  }
  return data;
}

function builder(over: Record<string, unknown> = {}) {
  return new BulkBuilder(elasticsearchConfigSchema.parse({ endpoint: 'http://127.0.0.1:9200', ...over }));
}

/** The built bodies and indices of `data` twice: from lazily decoded (wire) and fully decoded records. */
async function both(data: LogsData, over: Record<string, unknown> = {}) {
  const bytes = encodeLogs(data);
  const lazy = decodeLogsLazy(new Uint8Array(bytes));
  const b = builder(over);
  const wire = await b.logs(lazy);
  const slow = await builder(over).logs(decodeLogs(new Uint8Array(bytes)));
  const text = (r: typeof wire) => Buffer.concat(r.chunks.map((c) => c.body())).toString('latin1');
  const wireItems = wire.refs.items.filter((x) => x === WIRE_ITEM).length;
  return { lazy, wire, slow, wireText: text(wire), slowText: text(slow), wireItems };
}

describe('elasticsearch logs written from wire bytes', () => {
  it('writes the same _bulk bytes as the decoding path, on varied records (seeded)', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const { wireText, slowText, wireItems, wire, slow } = await both(batch(seed));
      expect(wireText).toBe(slowText);
      expect(wire.chunks.map((c) => c.indices)).toEqual(slow.chunks.map((c) => c.indices));
      expect(wireItems).toBeGreaterThan(0); // the wire path ran
    }
  });

  it('writes the same severity fields as the decoding path (texts to escape, non-ASCII, every sign and size of number)', async () => {
    const texts = [
      'INFO',
      'WARN',
      'info',
      'Info',
      'INF"',
      'IN\\F',
      'IN\u007fF',
      'IN\u0001F',
      'INFÖ',
      '',
      'E',
      'ERROR',
    ];
    const numbers = [0, 9, 13, 17, 73, 137, -1, -9, 2 ** 31 - 1, -(2 ** 31)];
    const data = batch(31, 1, 1, texts.length * numbers.length * 2);
    data.resourceLogs[0].scopeLogs[0].logRecords.forEach((rec, i) => {
      rec.severityText = texts[(i >> 1) % texts.length];
      rec.severityNumber = numbers[Math.floor(i / (2 * texts.length)) % numbers.length];
      rec.timeUnixNano = 1_700_000_000_000_000_000n + BigInt(i);
      rec.attributes = [];
      rec.body = { stringValue: `r${i}` };
    });
    const { wireText, slowText, wireItems } = await both(data);
    expect(wireItems).toBe(texts.length * numbers.length * 2);
    expect(wireText).toBe(slowText);
    expect(wireText).toContain('"severity_text":"WARN","severity_number":9,');
  });

  it('writes the same bytes for resources and scopes that repeat, batch after batch (their fixed parts remembered)', async () => {
    const one = batch(12, 1, 2, 7);
    const again = batch(12, 1, 2, 7);
    again.resourceLogs[0].scopeLogs[1].scope.name = 'io.other'; // one scope differs
    const data: LogsData = {
      resourceLogs: [...one.resourceLogs, ...batch(12, 1, 2, 7).resourceLogs, ...again.resourceLogs],
    };
    const bytes = encodeLogs(data);
    const b = builder({ flush: { bytes: 2500 } });
    const text = (r: Awaited<ReturnType<BulkBuilder['logs']>>) =>
      Buffer.concat(r.chunks.map((c) => c.body())).toString('latin1');
    const slow = text(await builder({ flush: { bytes: 2500 } }).logs(decodeLogs(new Uint8Array(bytes))));
    for (let round = 0; round < 3; round++) {
      const wire = await b.logs(decodeLogsLazy(new Uint8Array(bytes)));
      expect(wire.refs.items.filter((x) => x === WIRE_ITEM).length).toBe(42);
      expect(text(wire)).toBe(slow);
    }
  });

  it('takes the wire path without decoding the records', async () => {
    const data = batch(7, 1, 1, 10);
    for (const rec of data.resourceLogs[0].scopeLogs[0].logRecords) rec.timeUnixNano = 1n;
    const { lazy, wireItems } = await both(data);
    expect(wireItems).toBe(10);
    expect(rawList(lazy.resourceLogs[0])).toBeDefined();
  });

  it('matches on invalid UTF-8 in strings (written as the decoder reads them: U+FFFD)', async () => {
    const rec = newLogRecord();
    rec.timeUnixNano = 1_700_000_000_000_000_000n;
    rec.body = { stringValue: 'bad é here' };
    rec.attributes = [{ key: 'ké', value: { stringValue: 'v é"\n' } }];
    const data: LogsData = {
      resourceLogs: [
        {
          resource: newResource(),
          schemaUrl: '',
          scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [rec] }],
        },
      ],
    };
    const bytes = Buffer.from(encodeLogs(data));
    // é is C3 A9 in UTF-8: make every one an invalid sequence of the same length
    for (let i = 0; i + 1 < bytes.length; i++)
      if (bytes[i] === 0xc3 && bytes[i + 1] === 0xa9) bytes[i + 1] = 0x28;
    const wire = await builder().logs(decodeLogsLazy(new Uint8Array(bytes)));
    const slow = await builder().logs(decodeLogs(new Uint8Array(bytes)));
    const body = (r: typeof wire) => r.chunks[0].body().toString('latin1');
    expect(wire.refs.items[0]).toBe(WIRE_ITEM);
    expect(body(wire)).toBe(body(slow));
    expect(body(wire)).toContain('\u00ef\u00bf\u00bd'); // U+FFFD's UTF-8 bytes
  });

  it('matches where the text outgrows six bytes per wire byte (an array body escaped twice), at buffer ends', async () => {
    // Room for a document is reserved once from its wire size; an array body's text (JSON, then
    // quoted again) and invalid UTF-8 go through the growing writer instead, which reserves the
    // rest again. Bodies also cut small (flush.bytes), so documents land at buffer ends.
    const control = '\u0001\u001f"\\'.repeat(600);
    const bodies: AnyValue[] = [
      { arrayValue: { values: [{ stringValue: control }, { stringValue: control }] } },
      { arrayValue: { values: [{ arrayValue: { values: [{ stringValue: control }] } }] } },
      { kvlistValue: { values: [{ key: control, value: { stringValue: control } }] } },
      { stringValue: 'é'.repeat(5000) },
      { stringValue: '' },
      // larger than a small body's buffer, all three-byte characters, fields after it
      { arrayValue: { values: [{ stringValue: '日'.repeat(40_000) }] } },
    ];
    for (const [i, body] of bodies.entries()) {
      const data = batch(40 + i, 1, 1, 30);
      const recs = data.resourceLogs[0].scopeLogs[0].logRecords;
      for (const rec of recs) {
        rec.timeUnixNano = 1_700_000_000_000_000_000n;
        rec.body = body;
        rec.attributes.push({
          key: 'after',
          value: { stringValue: control.slice(0, 40) + 'x'.repeat(3000) },
        });
      }
      for (const over of [{}, { flush: { bytes: 3000 } }]) {
        const { wireText, slowText, wireItems } = await both(data, over);
        expect(wireItems).toBe(30);
        expect(wireText).toBe(slowText);
      }
    }
  });

  it('keeps room for the rest of a document after text its reservation does not cover, in a buffer sized to it', () => {
    // A document's room is reserved from its wire size (six bytes per byte plus slack); an
    // array body's text takes more (a control character escaped twice: seven), so after it
    // the room for the rest is reserved again. Here the rest takes all six bytes per byte
    // (control characters) and the buffer starts empty or at its end (exactly the reservation,
    // or a few bytes more): without that second reservation the document's last writes fall
    // past the buffer (it then goes to the slow path: NeedsSlowPath thrown here).
    for (const n of [1000, 2000, 5000]) {
      const rec = newLogRecord();
      rec.timeUnixNano = 1_700_000_000_000_000_000n;
      rec.body = { arrayValue: { values: [{ stringValue: '\u0001'.repeat(n) }, { intValue: 7n }] } };
      rec.attributes = [{ key: 'after', value: { stringValue: '\u0002'.repeat(4 * n) } }];
      rec.traceId = new Uint8Array(16).fill(0xab);
      const bytes = encodeLogs({
        resourceLogs: [
          {
            resource: newResource(),
            schemaUrl: '',
            scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [rec] }],
          },
        ],
      });
      const [seg] = rawList(decodeLogsLazy(new Uint8Array(bytes)).resourceLogs[0]) as Uint8Array[];
      const [from, to] = scopeEntries(seg);
      const [a, b] = scopeLogsWire(seg, from, to).records;
      const parts = new ScopeParts(
        Buffer.from('{"create":{"_index":"i"}}'),
        ',"data_stream":{"type":"logs"}',
        '',
      );
      const write = (d: DocBuf) => {
        const start = d.len;
        otelLogDocument(d, seg, a, b, parts);
        return d.buf.toString('latin1', start, d.len);
      };
      const roomy = new DocBuf();
      roomy.buf = Buffer.alloc(1 << 22) as DocBuf['buf'];
      const want = write(roomy);
      expect(want).toContain('\\\\u0001'); // the body's text, escaped twice
      expect(write(new DocBuf())).toBe(want); // an empty buffer: grown to exactly the reservation
      const reserved = (b - a) * 6 + 512 + parts.head.length + parts.midText.length + parts.tailHead.length;
      for (const spare of [0, 1, 7, 64, 511]) {
        const d = new DocBuf();
        d.buf = Buffer.alloc(reserved + spare + 100) as DocBuf['buf'];
        d.len = 100; // a document that starts at its buffer's end
        expect(write(d)).toBe(want);
      }
    }
  });

  it('leaves a resource with routing attributes or another mode to the decoding path, same bytes', async () => {
    const data = batch(3, 3, 2, 5);
    data.resourceLogs[0].scopeLogs[1].logRecords[2].attributes.push(
      ...kvs({ 'data_stream.dataset': 'nginx' }),
    );
    data.resourceLogs[1].scopeLogs[0].scope.attributes.push(...kvs({ 'elastic.mapping.mode': 'ecs' }));
    data.resourceLogs[2].scopeLogs[0].logRecords[0].attributes.push(
      ...kvs({ 'elasticsearch.index': 'custom' }),
    );
    const { wireText, slowText, wire } = await both(data, {
      mapping: { mode: 'otel', allowed_modes: ['otel', 'ecs'] },
    });
    expect(wireText).toBe(slowText);
    expect(wireText).toContain('"_index":"logs-nginx.otel-default"');
    expect(wireText).toContain('"_index":"custom"');
    expect(wire.refs.items.filter((x) => x === WIRE_ITEM).length).toBe(0);
  });

  it('matches with dynamic ids/pipelines enabled, static indices and small flush.bytes', async () => {
    for (const over of [
      { logs_dynamic_id: { enabled: true }, logs_dynamic_pipeline: { enabled: true } },
      { logs_index: 'my-logs' },
      { flush: { bytes: 2000 } },
    ]) {
      const { wireText, slowText, wire, slow } = await both(batch(11), over);
      expect(wireText).toBe(slowText);
      expect(wire.refs.length).toBe(slow.refs.length);
      // Bodies are cut at flush.bytes counted in bytes (the decoding path counts UTF-16 units of
      // the source text, so with non-ASCII text its cuts can fall a document later).
      const max = (over as { flush?: { bytes: number } }).flush?.bytes;
      if (max) for (const c of wire.chunks) if (c.n > 1) expect(c.len).toBeLessThanOrEqual(max);
    }
  });

  it('finds the records of wire documents again for a retry subset', async () => {
    const { lazy, wire } = await both(batch(5, 2, 2, 6));
    const picks = [0, 7, 13, 23].map((i) => wire.refs.get(i));
    const sub = subsetLogs(lazy, picks);
    const expected = decodeLogs(encodeLogs(batch(5, 2, 2, 6)));
    const flat = (d: LogsData) =>
      d.resourceLogs.flatMap((rl) =>
        rl.scopeLogs.flatMap((sl) =>
          sl.logRecords.map((x) =>
            encodeLogs({
              resourceLogs: [
                {
                  resource: newResource(),
                  schemaUrl: '',
                  scopeLogs: [{ scope: newScope(), schemaUrl: '', logRecords: [x] }],
                },
              ],
            }).toString(),
          ),
        ),
      );
    const all = flat(expected);
    expect(flat(sub)).toEqual([0, 7, 13, 23].map((i) => all[i]));
  });
});
