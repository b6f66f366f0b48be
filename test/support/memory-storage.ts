// An in-memory StorageClient / storage extension for tests of components
// that checkpoint (file offsets). Survives "restarts" when the same instance
// is handed to the next component; can be told to fail.
import type { StorageClient, StorageExtension, StorageOp } from '../../src/component/storage.js';

export class MemoryStorageClient implements StorageClient {
  readonly data = new Map<string, Uint8Array>();
  writes = 0;
  closed = false;
  failWith: Error | undefined;

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.data.get(key);
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    await this.batch([{ op: 'set', key, value }]);
  }
  async delete(key: string): Promise<void> {
    await this.batch([{ op: 'delete', key }]);
  }
  async batch(ops: StorageOp[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const o of ops) {
      if (o.op === 'set') this.data.set(o.key, Uint8Array.from(o.value));
      else this.data.delete(o.key);
    }
    this.writes++;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A storage extension whose clients (one per kind/id/name) live as long as the object. */
export class MemoryStorageExtension implements StorageExtension {
  readonly clients = new Map<string, MemoryStorageClient>();
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}
  async getClient(kind: string, componentId: string, name = ''): Promise<StorageClient> {
    const key = `${kind}/${componentId}/${name}`;
    let c = this.clients.get(key);
    if (!c) {
      c = new MemoryStorageClient();
      this.clients.set(key, c);
    }
    c.closed = false;
    return c;
  }
}
