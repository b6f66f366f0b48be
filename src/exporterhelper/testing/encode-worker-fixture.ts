// A worker entry for encode-pool.test.ts: encoders that echo, fail, crash or wait.
import { serveEncoders } from '../encode-worker.js';

serveEncoders({
  echo: (input: { bytes: Uint8Array; tag: string }) => {
    const out = new Uint8Array(input.bytes.length);
    for (let i = 0; i < out.length; i++) out[i] = input.bytes[i] ^ 0xff;
    return { result: { bytes: out, tag: input.tag }, transfer: [out.buffer] };
  },
  fail: (input: { message: string }) => {
    throw new Error(input.message);
  },
  crash: () => {
    process.exit(3);
  },
  wait: async (input: { ms: number }) => {
    await new Promise((r) => setTimeout(r, input.ms));
    return { result: input.ms };
  },
});
