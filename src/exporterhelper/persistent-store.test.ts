// The persistent queue's record when a fan-out hands the same batch to several
// stores: the second copies the first one's encoding instead of encoding again.
// Both records must be exactly what encoding the batch on its own gives.
import { describe, expect, it } from 'vitest';
import { MemoryStorageClient } from '../../test/support/memory-storage.js';
import { str, toAnyValue } from '../pdata/attributes.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../pdata/create.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { LogsData } from '../pdata/types.js';
import { otlpBatchCodec } from './otlp-codec.js';
import { type BatchCodec, PersistentStore } from './persistent-store.js';
import { traces } from './testing/helpers.js';

/** otlpBatchCodec, counting encodes. */
function countingCodec(): BatchCodec & { encodes: number } {
  const c = {
    encodes: 0,
    encode<S extends Signal>(signal: S, data: SignalDataMap[S], headroom?: number, pooled?: boolean) {
      c.encodes++;
      return otlpBatchCodec.encode(signal, data, headroom, pooled);
    },
    decode: otlpBatchCodec.decode,
  };
  return c;
}

/** Logs with the odd cases: empty values, non-ASCII, very long strings, missing fields, many records. */
function variedLogs(seed: number): LogsData {
  const rl = newResourceLogs();
  rl.resource.attributes.push({ key: 'service.name', value: str(`svc-${seed}`) });
  const sl = newScopeLogs();
  const bodies = ['', 'ascii line', 'ünïcödé 日本語 🚀', 'x'.repeat(70_000 + seed), '\u0000\uffff'];
  for (let i = 0; i < 40 + seed; i++) {
    const r = newLogRecord();
    if (i % 3 !== 0) r.timeUnixNano = BigInt(1_700_000_000_000_000_000 + i);
    r.severityText = i % 2 ? 'INFO' : '';
    r.body = i % 7 === 0 ? {} : str(bodies[i % bodies.length]);
    if (i % 4 === 0) r.attributes.push({ key: 'n', value: toAnyValue(i) });
    if (i % 5 === 0)
      r.attributes.push({ key: 'empty', value: str('') }, { key: 'list', value: toAnyValue([1, 'a', true]) });
    sl.logRecords.push(r);
  }
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

/** Byte-equal (a bool: vitest's deep equality walks big buffers byte by byte, far too slowly). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const payloadOf = (p: { record: Uint8Array; payloadAt: number }) => p.record.subarray(p.payloadAt);

const alone = <S extends Signal>(signal: S, data: SignalDataMap[S]) =>
  new PersistentStore(new MemoryStorageClient(), signal, otlpBatchCodec).prepare(data, undefined, 1);

describe('persistent store: one encoding for a batch fanned out to several queues', () => {
  it('the second store copies the first one’s bytes: records equal to encoding each on its own', () => {
    for (let seed = 0; seed < 4; seed++) {
      const codec = countingCodec();
      const loki = new PersistentStore(new MemoryStorageClient(), 'logs', codec);
      const es = new PersistentStore(new MemoryStorageClient(), 'logs', codec);
      const data = variedLogs(seed);
      const ctx = seed % 2 ? { metadata: { tenant: ['a'] } } : undefined;
      const a = loki.prepare(data, undefined, 5);
      const b = es.prepare(data, ctx, 5);
      expect(codec.encodes).toBe(1);
      expect(b.record.buffer === a.record.buffer && b.record.byteOffset === a.record.byteOffset).toBe(false);
      const expected = alone('logs', data);
      expect(same(payloadOf(a), payloadOf(expected))).toBe(true);
      expect(same(payloadOf(b), payloadOf(expected))).toBe(true);
      expect(b.bytes).toBe(a.bytes);
      // the header is each store's own (items, context)
      expect(es.decode(b.record.subarray(b.payloadAt))).toBeDefined();
      loki.discard(a);
      es.discard(b);
      es.discard(expected);
    }
  });

  it('encodes again for a different batch, a different signal, after the pass, or once the first record was discarded', async () => {
    const codec = countingCodec();
    const one = new PersistentStore(new MemoryStorageClient(), 'traces', codec);
    const two = new PersistentStore(new MemoryStorageClient(), 'traces', codec);
    const t = traces('a', 'b');
    const a = one.prepare(t, undefined, 2);
    two.discard(two.prepare(traces('a', 'b'), undefined, 2)); // an equal but other batch
    expect(codec.encodes).toBe(2);
    one.discard(a); // its buffer goes back to the pool: nothing may copy from it now
    const b = two.prepare(t, undefined, 2);
    expect(codec.encodes).toBe(3);
    const c = one.prepare(t, undefined, 2);
    expect(codec.encodes).toBe(3); // shared again, from b
    await Promise.resolve();
    const d = two.prepare(t, undefined, 2);
    expect(codec.encodes).toBe(4); // a later pass: the batch may have changed since
    const expected = alone('traces', t);
    for (const p of [b, c, d]) expect(same(payloadOf(p), payloadOf(expected))).toBe(true);
  });

  it('written and read back, the copied record holds the batch', async () => {
    const client = new MemoryStorageClient();
    const first = new PersistentStore(new MemoryStorageClient(), 'logs', otlpBatchCodec);
    const second = new PersistentStore(client, 'logs', otlpBatchCodec);
    await second.open();
    const data = variedLogs(1);
    const a = first.prepare(data, undefined, 41);
    const { index } = await second.write(second.prepare(data, { metadata: { k: ['v'] } }, 41));
    first.discard(a);
    const back = await second.load(index);
    expect(back?.items).toBe(41);
    expect(back?.ctx).toEqual({ metadata: { k: ['v'] } });
    const expected = alone('logs', data);
    expect(same(back!.payload, payloadOf(expected))).toBe(true);
  });
});
