// The upstream OTLP example payloads (../shared/conformance/otlp-json, see its PROVENANCE.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import type { Signal } from '../pdata/signal.js';
import { otlpJson } from './otlp-json.js';
import { otlpProto } from './otlp-proto.js';
import { normalize, oracleDecode } from './testing/oracle.js';

const DIR = `${CONFORMANCE_DIR}otlp-json`;

const files: [string, Signal][] = [
  ['trace.json', 'traces'],
  ['metrics.json', 'metrics'],
  ['logs.json', 'logs'],
  ['events.json', 'logs'],
];

type Codec = { decode(b: any): any; encode(d: any): any };

describe.each(files)('%s', (file, signal) => {
  const text = readFileSync(`${DIR}/${file}`, 'utf8');
  const json = otlpJson[signal] as Codec;
  const proto = otlpProto[signal] as Codec;

  it('round-trips JSON → pdata → proto → pdata → JSON with equal pdata', () => {
    const d1 = json.decode(text);
    const bytes = proto.encode(d1);
    const d2 = proto.decode(bytes);
    expect(normalize(d2)).toEqual(normalize(d1));
    const d3 = json.decode(json.encode(d2));
    expect(normalize(d3)).toEqual(normalize(d1));
    // The independent decoder reads the same data from our bytes.
    expect(oracleDecode(signal, bytes)).toEqual(normalize(d1));
  });

  it('decodes every value of the file (nothing silently dropped)', () => {
    const d = json.decode(text);
    // Re-encoding gives the same JSON value up to key order and default omission: compare via
    // a canonical form where hex IDs are lowercase, 64-bit numbers are strings and fields holding
    // a default (0, "", false) are dropped on both sides (the file writes `"scale": 0`, we omit it).
    const canon = (v: unknown): unknown =>
      JSON.parse(JSON.stringify(v), (k, x) => {
        const field = !/^\d+$/.test(k);
        if (field && (x === 0 || x === '' || x === false || x === '0')) return undefined;
        if (typeof x === 'string' && /Id$/.test(k)) return x.toLowerCase();
        if (typeof x === 'number' && /UnixNano$|^count$|^zeroCount$/.test(k)) return String(x);
        return x;
      });
    expect(canon(JSON.parse(json.encode(d)))).toEqual(canon(JSON.parse(text)));
  });
});

describe('example details', () => {
  it('trace.json: hex IDs (uppercase in the file), enums, nanosecond times', () => {
    const d = otlpJson.traces.decode(readFileSync(`${DIR}/trace.json`));
    const span = d.resourceSpans[0].scopeSpans[0].spans[0];
    expect(Buffer.from(span.traceId).toString('hex')).toBe('5b8efff798038103d269b633813fc60c');
    expect(Buffer.from(span.parentSpanId).toString('hex')).toBe('eee19b7ec3c1b173');
    expect(span.kind).toBe(2);
    expect(span.startTimeUnixNano).toBe(1544712660000000000n);
    const out = JSON.parse(otlpJson.traces.encode(d));
    expect(out.resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(out.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano).toBe('1544712660000000000');
  });

  it('events.json: event name and kvlist body', () => {
    const d = otlpJson.logs.decode(readFileSync(`${DIR}/events.json`, 'utf8'));
    const rec = d.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(rec.eventName).toBe('browser.page_view');
    expect('kvlistValue' in rec.body).toBe(true);
  });
});

describe('unmerged-pr570 protobuf binaries', () => {
  it('trace.protobuf-bin decodes to the content of trace.json and re-encodes to the same data', () => {
    const bin = readFileSync(`${DIR}/unmerged-pr570/trace.protobuf-bin`);
    const d = otlpProto.traces.decode(bin);
    expect(normalize(d)).toEqual(normalize(otlpJson.traces.decode(readFileSync(`${DIR}/trace.json`))));
    // protoc omitted the spans' empty `status`; we always write it (as the collector's
    // pdata does), so the bytes differ by those empty fields only and decode equal.
    const again = otlpProto.traces.encode(d);
    expect(normalize(otlpProto.traces.decode(again))).toEqual(normalize(d));
    expect(again.length - bin.length).toBe(2 * d.resourceSpans[0].scopeSpans[0].spans.length);
  });

  it('metrics.protobuf-bin re-encodes to identical bytes and matches metrics.json minus the later exp. histogram', () => {
    const bin = readFileSync(`${DIR}/unmerged-pr570/metrics.protobuf-bin`);
    const d = otlpProto.metrics.decode(bin);
    expect(Buffer.from(otlpProto.metrics.encode(d)).equals(bin)).toBe(true);
    const fromJson = otlpJson.metrics.decode(readFileSync(`${DIR}/metrics.json`));
    const sm = fromJson.resourceMetrics[0].scopeMetrics[0];
    sm.metrics = sm.metrics.filter((m) => m.exponentialHistogram === undefined);
    expect(normalize(d)).toEqual(normalize(fromJson));
  });
});
