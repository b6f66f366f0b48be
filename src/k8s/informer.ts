// List + watch of one resource kind with a local cache (client-go's informer
// in small): list, remember resourceVersion, watch from it; on stream end
// (the server ends each watch after the timeoutSeconds we ask for, 5–10 min
// at random like client-go's reflector) watch again from the last version;
// on 410 Gone (HTTP or ERROR event) list again and reconcile.
import type { Logger } from '../telemetry/logger.js';
import { ApiError, type KubeClient, type WatchEvent } from './client.js';
import type { KObject } from './types.js';

export interface InformerHandlers<T> {
  upsert(obj: T): void;
  delete(obj: T): void;
}

class Gone extends Error {}

export interface InformerOptions {
  /** Wait before retrying a failed list or watch (default 1 s). */
  retryMs?: number;
  /** timeoutSeconds of each watch request (default: 300–600 at random, as client-go). */
  watchTimeoutSeconds?: () => number;
}

const randomWatchTimeout = () => Math.floor(300 * (1 + Math.random()));

export class Informer<T extends KObject> {
  readonly items = new Map<string, T>();
  private rv: string | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private syncedResolve!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((r) => {
    this.syncedResolve = r;
  });
  /** Lists performed (first one and re-lists after 410). */
  lists = 0;
  /** Watch requests made. */
  watches = 0;
  private readonly retryMs: number;
  private readonly watchTimeoutSeconds: () => number;

  constructor(
    private readonly client: KubeClient,
    private readonly path: string,
    private readonly query: Record<string, string | undefined>,
    private readonly handlers: InformerHandlers<T>,
    private readonly logger: Logger,
    options: InformerOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? randomWatchTimeout;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (this.rv === undefined) await this.list(signal);
        this.watches++;
        await this.client.watch<T>(
          this.path,
          { ...this.query, resourceVersion: this.rv },
          (e) => this.onEvent(e),
          signal,
          this.watchTimeoutSeconds(),
        );
        // the server ended the watch (its timeoutSeconds): resume from this.rv
        this.logger.debug({ path: this.path, resourceVersion: this.rv }, 'kubernetes watch ended; resuming');
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof Gone || (err instanceof ApiError && err.status === 410)) {
          this.rv = undefined;
          continue;
        }
        this.logger.warn(
          { err: (err as Error).message, path: this.path },
          'kubernetes list/watch failed; retrying',
        );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.retryMs);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const list = await this.client.get<{ metadata: { resourceVersion: string }; items: T[] }>(
      this.path,
      this.query,
      signal,
    );
    this.lists++;
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(item.metadata.uid);
      this.items.set(item.metadata.uid, item);
      this.handlers.upsert(item);
    }
    for (const [uid, item] of this.items)
      if (!seen.has(uid)) {
        this.items.delete(uid);
        this.handlers.delete(item);
      }
    this.rv = list.metadata.resourceVersion;
    this.syncedResolve();
  }

  private onEvent(e: WatchEvent<T>): void {
    if (e.type === 'ERROR') {
      const status = e.object as unknown as { code?: number; message?: string };
      if (status.code === 410) throw new Gone(status.message ?? 'resource version too old');
      throw new Error(`watch error: ${status.message ?? JSON.stringify(status)}`);
    }
    const rv = e.object.metadata?.resourceVersion;
    if (rv) this.rv = rv;
    if (e.type === 'BOOKMARK') return;
    if (e.type === 'DELETED') {
      this.items.delete(e.object.metadata.uid);
      this.handlers.delete(e.object);
    } else {
      this.items.set(e.object.metadata.uid, e.object);
      this.handlers.upsert(e.object);
    }
  }
}
