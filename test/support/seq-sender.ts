// A load generator that knows what was acknowledged: concurrent senders, each
// with one OTLP/HTTP request in flight (as SDKs send), every span carrying its
// sequence number (`seq`). A 2xx marks the request's numbers acknowledged; a
// 429/503 or a connection error is retried after a pause (as OTLP exporters
// do), until stop(). What a test then checks at the sink: every acknowledged
// number arrived.
import { encodeTraces } from '../../src/codec/otlp-proto.js';
import { toAnyValue } from '../../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../../src/pdata/create.js';

export interface SeqSender {
  readonly acked: Set<number>;
  /** Requests answered 429/503, and connection errors. */
  readonly refusals: { status: number }[];
  readonly statuses: Map<number, number>;
  /** Stops sending; resolves once every sender's last request settled. */
  stop(): Promise<void>;
}

function request(first: number, n: number, pad: string): Buffer {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  for (let i = 0; i < n; i++) {
    const s = newSpan();
    s.name = 'seq';
    s.traceId = new Uint8Array(16).fill(7);
    s.spanId = new Uint8Array(8).fill(9);
    s.attributes.push({ key: 'seq', value: toAnyValue(first + i) });
    if (pad) s.attributes.push({ key: 'pad', value: toAnyValue(pad) });
    ss.spans.push(s);
  }
  rs.scopeSpans.push(ss);
  return Buffer.from(encodeTraces({ resourceSpans: [rs] }));
}

export function startSeqSender(opts: {
  url: string;
  concurrency: number;
  spansPerRequest: number;
  /** Pause between one sender's requests (ms); 0 = as fast as answers come. */
  pauseMs?: number;
  /** Spans a second over all senders (paced), instead of as fast as answers come. */
  rate?: number;
  /** Bytes of padding per span (an attribute), for load measured in bytes. */
  padBytes?: number;
}): SeqSender {
  const pad = 'x'.repeat(opts.padBytes ?? 0);
  const started = Date.now();
  let next = 0;
  let stopped = false;
  const acked = new Set<number>();
  const refusals: { status: number }[] = [];
  const statuses = new Map<number, number>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const one = async () => {
    while (!stopped) {
      if (opts.rate) {
        // not before this request's share of the schedule
        const due = started + (1000 * next) / opts.rate;
        if (due > Date.now()) await sleep(due - Date.now());
        if (stopped) return;
      }
      const first = next;
      next += opts.spansPerRequest;
      const body = request(first, opts.spansPerRequest, pad);
      for (;;) {
        let status = 0;
        let retryAfterMs = 0;
        try {
          const r = await fetch(opts.url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body,
          });
          await r.arrayBuffer();
          status = r.status;
          retryAfterMs = 1000 * Number(r.headers.get('retry-after') ?? 0);
        } catch {
          status = 0; // connection refused or reset: Tsunagi is down
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) {
          for (let i = 0; i < opts.spansPerRequest; i++) acked.add(first + i);
          break;
        }
        refusals.push({ status });
        if (stopped) return;
        await sleep(retryAfterMs || (status === 0 ? 100 : 50));
      }
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  };
  const workers = Array.from({ length: opts.concurrency }, one);
  return {
    acked,
    refusals,
    statuses,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** The `seq` numbers in an OtlpSink's decoded trace requests. */
export function sinkSeqs(requests: any[]): Set<number> {
  const out = new Set<number>();
  for (const req of requests)
    for (const rs of req.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans)
          for (const kv of s.attributes) if (kv.key === 'seq') out.add(Number(kv.value.intValue));
  return out;
}
