// The tests' reference: the exporter's encoder before write-request-encoder.ts
// (translate with otlpToSeries, then encode the series of remote write 1.0's
// prometheus.WriteRequest, prompb/remote.proto and types.proto, and cut
// requests at max_batch_size_bytes). Kept unchanged so that the one-pass
// encoder is checked against what the exporter sent before it; not used by
// the exporter.
import type { NativeHistogram } from '../../../src/translator/prometheus/to-prometheus-native-histogram.js';
import type { PromMetadata, PromSeries } from '../../../src/translator/prometheus/to-prometheus-series.js';

/** Buffer's native UTF-8 writer, without Buffer.write's argument handling. */
type FastBuffer = Buffer & { utf8Write(s: string, offset: number, length: number): number };

class GrowWriter {
  buf = Buffer.allocUnsafe(64 * 1024);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    let n = v;
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** int64 / uint64 as a varint (negative values as 10-byte two's complement). */
  varint64(v: bigint): void {
    this.ensure(10);
    let n = BigInt.asUintN(64, v);
    while (n > 0x7fn) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
  }

  /** int64 from a JS number of milliseconds (always within 2^53). */
  int64(v: number): void {
    if (v >= 0) this.varint(v);
    else this.varint64(BigInt(v));
  }

  sint32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  sint64(v: bigint): void {
    this.varint64(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  string(field: number, s: string): void {
    if (s === '') return;
    this.tag(field, 2);
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    (this.buf as FastBuffer).utf8Write(s, this.pos, len);
    this.pos += len;
  }

  /** Starts a length-delimited field; returns the body start for end(). */
  begin(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    this.pos++; // one byte reserved for the length; end() widens it if needed
    return this.pos;
  }

  end(start: number): void {
    const len = this.pos - start;
    let extra = 0;
    for (let n = len; n > 0x7f; n = Math.floor(n / 128)) extra++;
    if (extra > 0) {
      this.ensure(extra);
      this.buf.copyWithin(start + extra, start, this.pos);
      this.pos += extra;
    }
    let p = start - 1;
    let n = len;
    while (n > 0x7f) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[p] = n;
  }
}

function writeLabels(w: GrowWriter, field: number, labels: [string, string][]): void {
  for (const [name, value] of labels) {
    const s = w.begin(field);
    w.string(1, name);
    w.string(2, value);
    w.end(s);
  }
}

function writeHistogram(w: GrowWriter, h: NativeHistogram): void {
  const s = w.begin(4);
  if (h.countFloat !== undefined) {
    w.tag(2, 1);
    w.double(h.countFloat);
  } else if (h.count !== undefined && h.count !== 0n) {
    w.tag(1, 0);
    w.varint64(h.count);
  }
  if (h.sum !== 0) {
    w.tag(3, 1);
    w.double(h.sum);
  }
  if (h.schema !== 0) {
    w.tag(4, 0);
    w.sint32(h.schema);
  }
  w.tag(5, 1);
  w.double(h.zeroThreshold);
  if (h.zeroCount !== 0n) {
    w.tag(6, 0);
    w.varint64(h.zeroCount);
  }
  const spans = (field: number, list: { offset: number; length: number }[]) => {
    for (const sp of list) {
      const b = w.begin(field);
      if (sp.offset !== 0) {
        w.tag(1, 0);
        w.sint32(sp.offset);
      }
      if (sp.length !== 0) {
        w.tag(2, 0);
        w.varint(sp.length);
      }
      w.end(b);
    }
  };
  const deltas = (field: number, list: bigint[]) => {
    if (list.length === 0) return;
    const b = w.begin(field);
    for (const d of list) w.sint64(d);
    w.end(b);
  };
  spans(8, h.negativeSpans);
  deltas(9, h.negativeDeltas);
  spans(11, h.positiveSpans);
  deltas(12, h.positiveDeltas);
  if (h.timestampMs !== 0) {
    w.tag(15, 0);
    w.int64(h.timestampMs);
  }
  w.end(s);
}

function writeSeriesBody(w: GrowWriter, ts: PromSeries): void {
  writeLabels(w, 1, ts.labels);
  for (const sm of ts.samples) {
    const s = w.begin(2);
    if (sm.value !== 0 || Object.is(sm.value, -0)) {
      w.tag(1, 1);
      w.double(sm.value);
    }
    if (sm.timestampMs !== 0) {
      w.tag(2, 0);
      w.int64(sm.timestampMs);
    }
    w.end(s);
  }
  for (const ex of ts.exemplars) {
    const s = w.begin(3);
    writeLabels(w, 1, ex.labels);
    if (ex.value !== 0) {
      w.tag(2, 1);
      w.double(ex.value);
    }
    if (ex.timestampMs !== 0) {
      w.tag(3, 0);
      w.int64(ex.timestampMs);
    }
    w.end(s);
  }
  for (const h of ts.histograms) writeHistogram(w, h);
}

function writeMetadata(w: GrowWriter, m: PromMetadata): void {
  const s = w.begin(3);
  if (m.type !== 0) {
    w.tag(1, 0);
    w.varint(m.type);
  }
  w.string(2, m.family);
  w.string(4, m.help);
  w.string(5, m.unit);
  w.end(s);
}

export interface EncodedRequest {
  /** The serialized WriteRequest (not yet snappy-compressed). */
  body: Buffer;
  series: number;
  samples: number;
}

/**
 * Encodes series and metadata into WriteRequests of at most `maxBytes` each
 * (a single series larger than that still goes, alone). Metadata follow the
 * series in requests of their own, as the collector sends them.
 */
export function encodeWriteRequests(
  series: PromSeries[],
  metadata: PromMetadata[],
  maxBytes: number,
): EncodedRequest[] {
  const w = new GrowWriter();
  const out: EncodedRequest[] = [];
  let start = 0;
  let count = 0;
  let samples = 0;
  const flush = (upTo: number) => {
    if (upTo > start) out.push({ body: Buffer.from(w.buf.subarray(start, upTo)), series: count, samples });
    start = upTo;
    count = 0;
    samples = 0;
  };
  for (const ts of series) {
    const before = w.pos;
    const s = w.begin(1);
    writeSeriesBody(w, ts);
    w.end(s);
    // This series does not fit: the request ends before it (its bytes start the next one).
    if (w.pos - start > maxBytes && before > start) flush(before);
    count++;
    samples += ts.samples.length + ts.histograms.length;
  }
  flush(w.pos);
  for (const m of metadata) {
    const before = w.pos;
    writeMetadata(w, m);
    if (w.pos - start > maxBytes && before > start) flush(before);
  }
  flush(w.pos);
  return out;
}
