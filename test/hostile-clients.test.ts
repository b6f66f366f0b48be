// Hostile and buggy clients against the built binary, run with the Kubernetes
// manifests' heap flags (issue: hostile and buggy clients, 1 and 2):
// - one small request whose decoded form is ~60x its wire size (20 MiB of empty
//   attributes, gauge points or Jaeger tags: 20 KB gzipped) crashed the process
//   with a V8 heap OOM and lost the data it had acknowledged before;
// - after 20 concurrent gzip bombs (all refused with 413) the memory_limiter,
//   reading the RSS, refused every request for minutes.
// Each case asserts: no crash, the answer, and that data acknowledged before
// reaches the next hop.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { manifestNodeOptions } from '../bench/lib/manifest-flags.js';
import {
  attackConfig,
  freePorts,
  goodTraces,
  gzip,
  gzipBomb,
  JSON_GZIP,
  jaegerEmptyTags,
  otlpEmptyAttributes,
  otlpEmptyGaugePoints,
  otlpEmptySpans,
  otlpJsonEmptyAttributes,
  PROTO,
  PROTO_GZIP,
  post,
  SlowSink,
  THRIFT,
} from './support/hostile.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(manifest: 'statefulset.yaml' | 'examples/sidecar.yaml', limitMib: number) {
  const sink = await new SlowSink(300).start();
  cleanups.push(() => sink.stop());
  const ports = await freePorts();
  // as node arguments: Node refuses --heap-growing-percent (the sidecar's) in NODE_OPTIONS
  const t = await startTsunagi(attackConfig(ports, sink.port, limitMib), {}, manifestNodeOptions(manifest));
  cleanups.push(() => t.stop());
  const base = `http://127.0.0.1:${ports.http}`;
  /** Sends `n` acknowledged spans named prefix-i; asserts they were answered 200. */
  const acknowledge = async (prefix: string, requests: number, perRequest: number) => {
    for (let r = 0; r < requests; r++) {
      const a = await post(`${base}/v1/traces`, goodTraces(`${prefix}.${r}`, perRequest), PROTO);
      expect(a.status, a.text).toBe(200);
    }
  };
  return { t, sink, ports, base, acknowledge };
}

function alive(t: TsunagiProcess): boolean {
  return t.child.exitCode === null && t.child.signalCode === null;
}

describe('amplification: one small request must not crash the gateway (gateway heap flags)', () => {
  it('20 MiB of empty attributes, gauge points, spans, JSON attributes and Jaeger tags, gzipped: 413, no crash, nothing acknowledged lost', async () => {
    const { t, sink, ports, base, acknowledge } = await start('statefulset.yaml', 300);
    await acknowledge('before', 10, 30); // 300 acknowledged spans, still queued (slow backend)
    const attacks: [string, string, Buffer, Record<string, string>][] = [
      ['empty attributes', `${base}/v1/traces`, gzip(otlpEmptyAttributes(20 * MiB)), PROTO_GZIP],
      ['empty gauge points', `${base}/v1/metrics`, gzip(otlpEmptyGaugePoints(20 * MiB)), PROTO_GZIP],
      ['empty spans (lazy)', `${base}/v1/traces`, gzip(otlpEmptySpans(20 * MiB)), PROTO_GZIP],
      ['JSON empty attributes', `${base}/v1/traces`, gzip(otlpJsonEmptyAttributes(20 * MiB)), JSON_GZIP],
      ['Jaeger empty tags', `http://127.0.0.1:${ports.jaeger}/api/traces`, jaegerEmptyTags(20 * MiB), THRIFT],
    ];
    for (const [what, url, body, headers] of attacks) {
      const a = await post(url, body, headers);
      expect(a.status, `${what}: ${a.text}`).toBe(413);
      expect(alive(t), `${what}: ${t.stderr().slice(-2000)}`).toBe(true);
    }
    await acknowledge('after', 1, 10);
    await waitFor(() => sink.spans.size === 310, 'every acknowledged span at the next hop', 20_000);
    expect([...sink.spans].filter((n) => n.startsWith('before.')).length).toBe(300);
  });
});

describe('amplification over gRPC (the sidecar heap flags)', () => {
  it('one 4 MiB gRPC request of empty attributes: RESOURCE_EXHAUSTED, no crash', async () => {
    const { t, sink, ports, acknowledge } = await start('examples/sidecar.yaml', 200);
    await acknowledge('before', 10, 10);
    const client = new grpc.Client(`127.0.0.1:${ports.grpc}`, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 8 * MiB,
    });
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        otlpEmptyAttributes(4 * MiB - 64),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(err?.details).toMatch(/decode budget|memory/);
    expect(alive(t)).toBe(true);
    await waitFor(() => sink.spans.size === 100, 'the acknowledged spans at the next hop', 20_000);
  });
});

describe('the memory limiter does not latch', () => {
  it('after 20 concurrent gzip bombs (413), data is accepted again within seconds', async () => {
    const { t, base } = await start('statefulset.yaml', 300);
    const bomb = gzipBomb(64 * MiB); // past max_request_body_size (20 MiB) once inflated
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(`${base}/v1/traces`, bomb, PROTO_GZIP)),
    );
    // each one too large once inflated, or (while others inflate) refused for now
    for (const a of answers) expect([413, 429], a.text).toContain(a.status);
    expect(answers.some((a) => a.status === 413)).toBe(true);
    expect(alive(t)).toBe(true);
    // an ordinary request is accepted again within 10 s (it was refused for 8+ minutes)
    let last = 0;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      last = (await post(`${base}/v1/traces`, goodTraces('probe', 1), PROTO)).status;
      if (last === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(last).toBe(200);
  });
});
