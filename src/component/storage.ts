import type { Extension } from './component.js';

/**
 * A durable key-value store (the collector's storage extension API). Used for
 * file offsets and persistent exporter queues. `set`/`batch` resolve only once
 * the write is durable (fsync'd), because callers acknowledge senders after it;
 * from then on the client holds no reference to the values it was given (the
 * caller may reuse their buffers, codec/buffer-pool.ts). What `get` returns
 * must not be modified; it may be given back to codec/buffer-pool.ts once unused.
 */
export interface StorageClient {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Applies all operations atomically, in order. `lazy`: the caller does not need them durable
   * now (losing them in a host crash only repeats work, e.g. a sent batch's delete): the client
   * may resolve once they are ordered with the other writes, and makes them durable with the
   * next write that is not lazy, or on close.
   */
  batch(ops: StorageOp[], options?: { lazy?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export type StorageOp = { op: 'set'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

export interface StorageExtension extends Extension {
  /** A client private to one component (kind + id) and an optional name within it. */
  getClient(kind: string, componentId: string, name?: string): Promise<StorageClient>;
}

export function isStorageExtension(ext: Extension | undefined): ext is StorageExtension {
  return !!ext && typeof (ext as Partial<StorageExtension>).getClient === 'function';
}
