// The persistent queue's records on a StorageClient (sending_queue.storage).
// Keys: `item/<n>` one batch each, `wi` the next write index, `ri` the lowest
// index that may still be outstanding. A batch is written (atomically with
// `wi`) before consume() resolves and deleted only once it was sent or
// permanently dropped; on open, every record in [ri, ...) is pending again.

import { giveBuffer, takeBuffer } from '../codec/buffer-pool.js';
import type { RequestContext } from '../component/consumer.js';
import type { StorageClient, StorageOp } from '../component/storage.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';

/** Turns one signal's pdata into bytes and back (the OTLP protobuf codec by default). */
export interface BatchCodec {
  /**
   * The first `headroom` bytes (default 0) of the result must be left free: the store writes its header there.
   * `pooled`: the result may come from codec/buffer-pool.ts (the queue gives it back once the batch is sent).
   */
  encode<S extends Signal>(
    signal: S,
    data: SignalDataMap[S],
    headroom?: number,
    pooled?: boolean,
  ): Uint8Array;
  /** `own`: bytes encode() made in this process (not read back from storage), so validating them is optional. */
  decode<S extends Signal>(signal: S, bytes: Uint8Array, own?: boolean): SignalDataMap[S];
}

export interface StoredBatch<S extends Signal> {
  data: SignalDataMap[S];
  ctx?: RequestContext;
  items: number;
}

/** A batch encoded into its record, not yet written (PersistentStore.prepare). */
export interface PreparedRecord {
  record: Uint8Array;
  payloadAt: number;
  /** Payload size: what the bytes sizer counts. */
  bytes: number;
}

export interface Recovered {
  index: number;
  items: number;
  /** Size of the stored record (for the bytes sizer). */
  bytes: number;
}

const VERSION = 1;
const HEADER = 9; // version u8, items u32, ctx length u32
const enc = new TextEncoder();
const dec = new TextDecoder();
const itemKey = (i: number) => `item/${i}`;

/**
 * The payload last encoded by a store, for the other persistent queues a fan-out hands the
 * same batch object to in the same synchronous pass (a pipeline with two exporters on
 * persistent queues): they copy these bytes instead of encoding the batch again. Valid
 * until the current microtask checkpoint only (the fan-out calls its branches in one pass
 * and nothing can change the batch meanwhile), and dropped at once if its record is
 * discarded (its buffer goes back to the pool).
 */
let lastEncoded:
  | { data: object; signal: Signal; codec: BatchCodec; record: Uint8Array; payload: Uint8Array }
  | undefined;

export class PersistentStore<S extends Signal> {
  private nextIndex = 0;
  private readIndex = 0;
  /** Indices written and not yet removed (for advancing `ri`). */
  private readonly outstanding = new Set<number>();

  constructor(
    private readonly client: StorageClient,
    private readonly signal: S,
    private readonly codec: BatchCodec,
  ) {}

  /** Loads the indices and returns every batch still stored, oldest first. */
  async open(): Promise<Recovered[]> {
    this.readIndex = readNumber(await this.client.get('ri'));
    const wi = Math.max(this.readIndex, readNumber(await this.client.get('wi')));
    const found: Recovered[] = [];
    // Up to wi every slot is checked; past it, records whose `wi` update lost
    // the race to a later one are picked up until the first gap.
    for (let i = this.readIndex; ; i++) {
      const v = await this.client.get(itemKey(i));
      if (v === undefined) {
        if (i >= wi) {
          this.nextIndex = i;
          break;
        }
        continue;
      }
      const items = v.length >= HEADER ? new DataView(v.buffer, v.byteOffset).getUint32(1) : 0;
      found.push({ index: i, items, bytes: v.length - HEADER });
      this.outstanding.add(i);
    }
    return found;
  }

  /**
   * Encodes a batch into its record (a buffer from codec/buffer-pool.ts), so
   * the caller knows its size before deciding to write it; then write() or
   * discard() it. `encoded`: the payload, when the caller has it already.
   */
  prepare(
    data: SignalDataMap[S],
    ctx: RequestContext | undefined,
    items: number,
    encoded?: Uint8Array,
  ): PreparedRecord {
    const { record, payloadAt } = this.serialize(data, ctx, items, encoded, true);
    return { record, payloadAt, bytes: record.length - payloadAt };
  }

  /** Gives a prepared record's buffer back without writing it. */
  discard(p: PreparedRecord): void {
    if (lastEncoded?.record === p.record) lastEncoded = undefined;
    giveBuffer(p.record);
  }

  /**
   * Durably writes a prepared record; resolves with its index and its payload
   * (the bytes `decode` turns back into the batch, without reading storage), a
   * view of a buffer from codec/buffer-pool.ts that the caller gives back
   * (giveBuffer(payload)) once nothing reads the batch any more.
   */
  async write(p: PreparedRecord): Promise<{ index: number; payload: Uint8Array }> {
    const i = this.nextIndex++;
    this.outstanding.add(i);
    try {
      await this.client.batch([
        { op: 'set', key: itemKey(i), value: p.record },
        { op: 'set', key: 'wi', value: enc.encode(String(i + 1)) },
      ]);
    } catch (e) {
      this.outstanding.delete(i);
      giveBuffer(p.record);
      throw e;
    }
    return { index: i, payload: p.record.subarray(p.payloadAt) };
  }

  /** prepare() and write() in one. */
  put(
    data: SignalDataMap[S],
    ctx: RequestContext | undefined,
    items: number,
    payload?: Uint8Array,
  ): Promise<{ index: number; payload: Uint8Array }> {
    return this.write(this.prepare(data, ctx, items, payload));
  }

  /** The batch of a payload returned by put(). */
  decode(payload: Uint8Array): SignalDataMap[S] {
    return this.codec.decode(this.signal, payload, true);
  }

  /**
   * Reads a stored batch back (undefined if it vanished). Throws on a corrupt record.
   * `payload` (what the data is decoded from) may be given back to codec/buffer-pool.ts once sent.
   */
  async load(index: number): Promise<(StoredBatch<S> & { payload: Uint8Array }) | undefined> {
    const v = await this.client.get(itemKey(index));
    if (v === undefined) return undefined;
    if (v.length < HEADER || v[0] !== VERSION)
      throw new Error(`unknown queue record format in item ${index}`);
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const items = dv.getUint32(1);
    const ctxLen = dv.getUint32(5);
    const ctx =
      ctxLen > 0
        ? (JSON.parse(dec.decode(v.subarray(HEADER, HEADER + ctxLen))) as RequestContext)
        : undefined;
    const payload = v.subarray(HEADER + ctxLen);
    return { data: this.codec.decode(this.signal, payload), ctx, items, payload };
  }

  /** Replaces a batch with the part that still needs sending (partial failure). */
  async rewrite(index: number, data: SignalDataMap[S], ctx: RequestContext | undefined, items: number) {
    await this.client.set(itemKey(index), this.serialize(data, ctx, items).record);
  }

  /**
   * Deletes finished batches (one storage write) and advances `ri` past them when they were the oldest.
   * Lazily durable: a delete lost in a host crash only sends the batch again (at least once).
   */
  async remove(...indices: number[]): Promise<void> {
    if (indices.length === 0) return;
    for (const i of indices) this.outstanding.delete(i);
    const ops: StorageOp[] = indices.map((i) => ({ op: 'delete', key: itemKey(i) }));
    if (!this.outstanding.has(this.readIndex)) {
      let min = this.nextIndex;
      for (const i of this.outstanding) if (i < min) min = i;
      if (min !== this.readIndex) {
        this.readIndex = min;
        ops.push({ op: 'set', key: 'ri', value: enc.encode(String(min)) });
      }
    }
    await this.client.batch(ops, { lazy: true });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Encodes a batch as the store would (for the bytes sizer, reused by put). */
  encode(data: SignalDataMap[S]): Uint8Array {
    return this.codec.encode(this.signal, data, 0);
  }

  private serialize(
    data: SignalDataMap[S],
    ctx: RequestContext | undefined,
    items: number,
    encoded?: Uint8Array,
    pooled = false,
  ): { record: Uint8Array; payloadAt: number } {
    const ctxBytes =
      ctx && (ctx.metadata || ctx.clientAddress || ctx.auth) ? enc.encode(JSON.stringify(ctx)) : undefined;
    const ctxLen = ctxBytes?.length ?? 0;
    const head = HEADER + ctxLen;
    const { signal, codec } = this;
    const shared = lastEncoded;
    if (!encoded && shared?.data === data && shared.signal === signal && shared.codec === codec)
      encoded = shared.payload;
    let out: Uint8Array;
    if (encoded) {
      out = pooled ? takeBuffer(head + encoded.length) : new Uint8Array(head + encoded.length);
      out.set(encoded, head);
    } else {
      // encoded after room for the header: no copy of the batch
      out = codec.encode(signal, data, head, pooled);
      if (pooled) {
        const entry = { data: data as object, signal, codec, record: out, payload: out.subarray(head) };
        lastEncoded = entry;
        queueMicrotask(() => {
          if (lastEncoded === entry) lastEncoded = undefined;
        });
      }
    }
    const dv = new DataView(out.buffer, out.byteOffset, head);
    out[0] = VERSION;
    dv.setUint32(1, items);
    dv.setUint32(5, ctxLen);
    if (ctxBytes) out.set(ctxBytes, HEADER);
    return { record: out, payloadAt: head };
  }
}

function readNumber(v: Uint8Array | undefined): number {
  if (!v) return 0;
  const n = Number(dec.decode(v));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
