// The worker side of encode-pool.ts: a worker entry (app/encode-worker.ts) calls
// serveEncoders with the encoders it carries; each task names one. Tasks arrive
// one at a time per worker (the pool sends the next when the answer is back).
import { parentPort, type TransferListItem } from 'node:worker_threads';
import { errorMessage } from '../component/errors.js';

export interface EncodeResult {
  result: unknown;
  /** Buffers of `result` to move to the main thread instead of copying. */
  transfer?: TransferListItem[];
}

/** Turns a task's input into its result; runs on a worker thread, so it may run long. */
export type Encoder = (input: never) => EncodeResult | Promise<EncodeResult>;

export function serveEncoders(encoders: Record<string, Encoder>): void {
  const port = parentPort;
  if (!port) throw new Error('serveEncoders runs in a worker thread');
  port.on('message', async (m: { id: number; task: string; input: unknown }) => {
    let out: EncodeResult;
    try {
      const encoder = encoders[m.task];
      if (!encoder) throw new Error(`no encoder "${m.task}" in this worker`);
      out = await encoder(m.input as never);
    } catch (err) {
      port.postMessage({ id: m.id, error: errorMessage(err) });
      return;
    }
    port.postMessage({ id: m.id, result: out.result }, (out.transfer ?? []) as never);
  });
}
