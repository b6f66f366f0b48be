// Overload through the built binary with Node's default heap flags: senders
// offer 4x what the backend can take. Memory stays bounded (the memory queue's
// byte bound throttles senders with retryable 429s long before RSS grows), and
// every span answered 2xx arrives once the load stops.
// In `npm test` it lasts 8 s with an 8 MiB queue (so the bound is reached in that
// time); `npm run overload` runs it for 30 s with the default queue sizes (64 MiB).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { sinkSeqs, startSeqSender } from './support/seq-sender.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 8);
const DEFAULT_QUEUE = SECONDS >= 30;
/** Spans of ~1 KiB: the backend takes ~1.5 MB/s of them, the senders offer 4x. */
const PAD = 1000;
const SINK_BYTES_PER_SEC = 1_500_000;
const OFFERED_SPANS_PER_SEC = 6_000;

const sink = new OtlpSink();
beforeAll(async () => {
  await sink.start();
});
afterAll(() => sink.stop());

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

it(
  `4x overload for ${SECONDS} s (${DEFAULT_QUEUE ? 'default queue' : '8 MiB queue'}): bounded memory, retryable refusals, every answered span arrives`,
  async () => {
    sink.httpBytesPerSec = SINK_BYTES_PER_SEC;
    const port = await freePort();
    const t = await startTsunagi(`
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:${port} }
processors:
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
    ${DEFAULT_QUEUE ? '' : 'sending_queue: { sizer: bytes, queue_size: 8388608 }'}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp_http] }
`);
    const sender = startSeqSender({
      url: `http://127.0.0.1:${port}/v1/traces`,
      concurrency: 16,
      spansPerRequest: 100,
      rate: OFFERED_SPANS_PER_SEC,
      padBytes: PAD,
    });
    let peak = 0;
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      peak = Math.max(peak, peakRssMiB(t.child.pid!));
    }
    await sender.stop();
    sink.unthrottle(); // load gone: the backlog drains
    await waitFor(
      () => {
        const got = sinkSeqs(sink.requests.traces);
        for (const s of sender.acked) if (!got.has(s)) return false;
        return true;
      },
      'every answered span at the sink',
      30_000,
    );
    peak = Math.max(peak, peakRssMiB(t.child.pid!));
    await t.stop();
    console.log(
      `overload: ${sender.acked.size} spans answered 2xx, answers ${JSON.stringify(Object.fromEntries(sender.statuses))}, peak RSS ${peak.toFixed(0)} MiB`,
    );
    expect(peak).toBeLessThan(300);
    // the overload was real (the sender was throttled) and only ever refused with a retryable answer
    expect(sender.statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect([...sender.statuses.keys()].filter((s) => s !== 200 && s !== 429)).toEqual([]);
  },
  (SECONDS + 60) * 1000,
);
