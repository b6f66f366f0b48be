// What the servers need from the OTLP codec, per wire encoding. codec.ts binds
// this to src/codec; keeping the servers on this interface keeps them small.
import type { DecodeBudget } from '../../src/codec/decode-budget.js';
import type { Lease } from '../../src/pdata/lazy.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';

export type WireEncoding = 'proto' | 'json';

export interface WireCodec {
  /**
   * Decodes an Export*ServiceRequest; throws (DecodeError) with a message fit for the sender, or a
   * DecodeLimitError when it would cost more than `budget` (src/codec/decode-budget.ts).
   * `lease`: `body` is a pooled buffer (only where leases() said so), given back once the lease is let go.
   */
  decode<S extends Signal>(
    signal: S,
    enc: WireEncoding,
    body: Uint8Array,
    lease: Lease | undefined,
    budget: DecodeBudget,
  ): SignalDataMap[S];
  /** Whether decode() takes a pooled body with its lease (the result then keeps no other view of it). */
  leases(signal: Signal, enc: WireEncoding): boolean;
  /** An Export*ServiceResponse; `partial_success` set when rejected > 0. */
  response(signal: Signal, enc: WireEncoding, rejected: number, message: string): Uint8Array;
  /** A google.rpc.Status, with a google.rpc.RetryInfo detail when retryAfterMs is given. */
  status(enc: WireEncoding, code: number, message: string, retryAfterMs?: number): Uint8Array;
}

export const CONTENT_TYPE: Record<WireEncoding, string> = {
  proto: 'application/x-protobuf',
  json: 'application/json',
};
