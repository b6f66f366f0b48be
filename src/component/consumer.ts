import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { AuthData } from './auth-types.js';

/** Where a batch came from; carried along so processors/exporters can use client metadata. */
export interface RequestContext {
  /** Request headers / gRPC metadata, lower-case keys. Only set when the receiver has `include_metadata: true`. */
  metadata?: Record<string, string[]>;
  /** The peer address, e.g. "127.0.0.1:53412". */
  clientAddress?: string;
  /** What the receiver's server authenticator learnt about the sender (basicauth: username, raw). */
  auth?: AuthData;
}

/**
 * The consume/ack promise (DESIGN.md): resolves when the next stage has
 * accepted the data (an exporter: backend acknowledged, or durably queued).
 * Rejects with a ConsumerError (see errors.ts) that says whether retrying may help.
 * A consumer may mutate `data` only if its factory declares `mutatesData`.
 */
export interface Consumer<S extends Signal> {
  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void>;
}

export type ConsumersBySignal = { [S in Signal]?: Consumer<S> };
