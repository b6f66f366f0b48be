// Exporters build backend requests (an Elasticsearch _bulk body: ~10–20 µs per
// record) on the event loop that also answers every receiver's senders. Sliced
// (time-slice.ts) the build no longer holds the loop for long, but it still keeps
// it busy most of the time under load, so answers come late and an SDK with one
// export in flight overflows its queue (issue 12, config/gateway.yaml). A Node
// process runs JS on one core; the machine has more. This pool runs such builds
// on worker threads: the main thread hands over the batch as OTLP protobuf bytes
// (what the persistent queue stores anyway; lazily decoded records write back as
// a copy) and gets the request bodies back as transferred buffers.
//
// Which code runs in a worker: the worker entry (set by the application, see
// app/encode-worker.ts) registers named encoders (encode-worker.ts); an exporter
// asks for one by name. src/ never imports a component: the app wires the
// components' encoders into the worker entry, as app/registry.ts wires the
// components themselves. Without an entry (tests that build an exporter alone,
// TSUNAGI_ENCODE_WORKERS=0, a one-core machine) encodePool() is undefined and
// exporters build in-thread, with identical results.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type TransferListItem, Worker } from 'node:worker_threads';
import { retryableError } from '../component/errors.js';

/** How many tasks may wait for a worker before callers are told to build in-thread. */
const DEFAULT_MAX_QUEUED = 32;

interface Task {
  id: number;
  task: string;
  input: unknown;
  transfer: TransferListItem[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Task | undefined;
}

export interface EncodePoolOptions {
  /** The worker's module: a built .js/.mjs file, or a .ts source (bundled with esbuild first: tests). */
  entry: URL;
  /** Worker threads (at least 1). */
  size: number;
  maxQueued?: number;
}

export class EncodePool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 0;
  private spawning = 0;
  private closed = false;
  private script: Promise<URL> | undefined;
  private idle: (() => void) | undefined;
  private readonly maxQueued: number;
  /** Workers replaced after a crash (tests and diagnostics). */
  restarts = 0;
  /** Tasks answered by a worker (tests and diagnostics). */
  completed = 0;

  constructor(private readonly options: EncodePoolOptions) {
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  }

  get size(): number {
    return this.options.size;
  }

  /** True when a new task would wait beyond the bound: build in-thread instead. */
  busy(): boolean {
    return this.closed || this.waiting.length >= this.maxQueued;
  }

  /**
   * Runs the named encoder on `input` in a worker. `transfer`: buffers of `input` to move
   * instead of copy (they are unusable here afterwards). A worker that dies while running
   * the task rejects it with a retryable error and is replaced; an encoder that throws
   * rejects with its message.
   */
  run<T>(task: string, input: unknown, transfer: TransferListItem[] = []): Promise<T> {
    if (this.closed) return Promise.reject(retryableError('encode pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        id: this.nextId++,
        task,
        input,
        transfer,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      void this.dispatch();
    });
  }

  /** Finishes the queued and running tasks, then stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.waiting.length > 0 || this.slots.some((s) => s.busy))
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private async dispatch(): Promise<void> {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot) {
        if (this.slots.length + this.spawning >= this.options.size) return;
        this.spawning++;
        try {
          slot = await this.spawn();
        } catch (err) {
          // no worker can start (entry missing): the waiting tasks fail retryably
          for (const t of this.waiting.splice(0)) t.reject(retryableError(`encode worker failed: ${err}`));
          return;
        } finally {
          this.spawning--;
        }
        if (slot.busy || this.waiting.length === 0) continue;
      }
      const t = this.waiting.shift()!;
      slot.busy = t;
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id: t.id, task: t.task, input: t.input }, t.transfer as never);
      } catch (err) {
        slot.busy = undefined;
        t.reject(err);
      }
    }
  }

  private async spawn(): Promise<Slot> {
    const worker = new Worker(fileURLToPath(await this.entry()));
    const slot: Slot = { worker, busy: undefined };
    this.slots.push(slot);
    // An idle worker must not keep a stopping process alive.
    worker.unref();
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const t = slot.busy;
      if (!t || t.id !== m.id) return;
      slot.busy = undefined;
      worker.unref();
      this.completed++;
      if (m.error !== undefined) t.reject(new Error(m.error));
      else t.resolve(m.result);
      this.settled();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const t = slot.busy;
      slot.busy = undefined;
      if (!this.closed) this.restarts++;
      t?.reject(retryableError(`encode worker failed: ${why}`));
      this.settled();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    return slot;
  }

  private settled(): void {
    if (this.waiting.length > 0) void this.dispatch();
    else if (this.idle && !this.slots.some((s) => s.busy)) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
  }

  /** The worker's script; a TypeScript entry (vitest runs the sources) is bundled once to a temp file. */
  private entry(): Promise<URL> {
    this.script ??= (async () => {
      const entry = this.options.entry;
      if (!entry.pathname.endsWith('.ts')) return entry;
      // not a literal: the application bundle must not take esbuild in (only tests come here)
      const name = 'esbuild';
      const esbuild = (await import(name)) as typeof import('esbuild');
      const out = await esbuild.build({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        external: ['snappy'],
        write: false,
        banner: {
          js: "import { createRequire as __tsunagiRequire } from 'node:module'; const require = __tsunagiRequire(import.meta.url);",
        },
        logLevel: 'warning',
      });
      // next to the sources, so that external packages (snappy) resolve from node_modules
      const dir = mkdtempSync(join(tmpdir(), 'tsunagi-encode-worker-'));
      const file = join(dir, 'worker.mjs');
      writeFileSync(file, out.outputFiles[0].contents);
      return pathToFileURL(file);
    })();
    return this.script;
  }
}

/**
 * Worker threads for encoding: TSUNAGI_ENCODE_WORKERS, else 0 (build in-thread). Opt-in: on the
 * 2-core bench host a worker took the Elasticsearch build off the event loop (main thread
 * 11 → 7 CPU-s per million records) but the process as a whole spent 15 → 24 CPU-s per million
 * and 160 → 245 MiB (the batch is encoded to hand it over and decoded again, and the worker has
 * its own heap). Worth it where the event loop is the limit and cores are spare.
 */
export function defaultEncodeWorkers(env = process.env): number {
  const asked = env.TSUNAGI_ENCODE_WORKERS;
  if (asked !== undefined && asked !== '' && Number.isInteger(Number(asked)) && Number(asked) >= 0)
    return Number(asked);
  return 0;
}

let shared: EncodePool | undefined;
let sharedEntry: URL | undefined;

/**
 * Sets the worker entry the shared pool uses (the application does, at start). `size`
 * defaults to defaultEncodeWorkers(); 0 leaves the pool off.
 */
export function configureEncodePool(entry: URL | undefined, size = defaultEncodeWorkers()): void {
  sharedEntry = size > 0 ? entry : undefined;
  if (shared) void shared.close();
  shared = undefined;
  if (sharedEntry) shared = new EncodePool({ entry: sharedEntry, size });
}

/** The shared pool, or undefined when encoding runs in-thread. */
export function encodePool(): EncodePool | undefined {
  return shared;
}

/** Stops the shared pool's workers after their tasks (process shutdown). */
export async function closeEncodePool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
