// The load-balancing tier end to end, as deployed: several senders → a Tsunagi
// with the load_balancing exporter and the dns resolver (asking a DNS server on
// loopback for the gateways' A records) → three Tsunagi gateways (otlp receiver
// on 127.0.0.N, same port; a resource processor stamps which gateway forwarded)
// → one OTLP sink. 10k traces of 5 spans, sent in three phases while the
// membership changes: a gateway dies and leaves DNS mid-phase, another joins.
// Nothing is lost; within a phase every span of a trace meets at one gateway;
// a change moves only the share of the gateway that left or joined.
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { str } from '../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../src/pdata/create.js';
import type { TracesData } from '../src/pdata/types.js';
import { DnsResponder } from './support/dns-responder.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const TRACES = 10_000;
const SPANS = 5;
const PER_REQUEST = 250; // traces per request (one span of each)
const SENDERS = 4;
const HOST = 'gateways.observability.svc.cluster.local';

const procs: TsunagiProcess[] = [];
const sink = new OtlpSink();
const dns = new DnsResponder();
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await sink.stop();
  await dns.close();
});

function gatewayConfig(ip: string, port: number, name: string): string {
  return `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${ip}:${port}
processors:
  resource:
    attributes:
      - { key: gateway, value: ${name}, action: upsert }
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sink.grpcPort}
    tls: { insecure: true }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [resource], exporters: [otlp_grpc] }
`;
}

const traceId = (t: number) => {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(0x5eed0000 + t, 0);
  id.writeUInt32BE(Math.imul(t + 1, 2654435761) >>> 0, 8);
  id.writeUInt32BE(t, 12);
  return id;
};

/** Span `s` of traces [from, to). */
function request(from: number, to: number, s: number): Uint8Array {
  const rs = newResourceSpans();
  rs.resource.attributes.push({ key: 'service.name', value: str('checkout') });
  const ss = newScopeSpans();
  for (let t = from; t < to; t++) {
    const sp = newSpan();
    sp.traceId = traceId(t);
    sp.spanId = Buffer.from([0, 0, (t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff, 0, 0, s + 1]);
    sp.name = `span-${s}`;
    sp.startTimeUnixNano = 1n;
    sp.endTimeUnixNano = 2n;
    ss.spans.push(sp);
  }
  rs.scopeSpans.push(ss);
  return encodeTraces({ resourceSpans: [rs] } as TracesData);
}

/** Sends spans `spans` of every trace from SENDERS concurrent senders; `midway` runs after half the requests. */
async function sendPhase(url: string, spans: number[], midway?: () => void): Promise<void> {
  const jobs: [number, number][] = [];
  for (const s of spans) for (let t = 0; t < TRACES; t += PER_REQUEST) jobs.push([t, s]);
  let next = 0;
  let done = 0;
  const sender = async () => {
    for (;;) {
      const i = next++;
      if (i >= jobs.length) return;
      const [t, s] = jobs[i];
      const body = request(t, t + PER_REQUEST, s);
      // an OTLP sender retries what was refused retryably (429/503), as SDKs do
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        if (res.status === 200) break;
        if (![429, 502, 503, 504].includes(res.status) || attempt > 100)
          throw new Error(`HTTP ${res.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      if (++done === Math.floor(jobs.length / 2)) midway?.();
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
}

/** (trace, span index) → gateway, from what reached the sink; duplicates counted. */
function arrivals(): { at: Map<string, string>; duplicates: number } {
  const at = new Map<string, string>();
  let duplicates = 0;
  for (const req of sink.requests.traces)
    for (const rs of req.resourceSpans) {
      const gw = rs.resource.attributes.find((a: any) => a.key === 'gateway')?.value.stringValue;
      for (const ss of rs.scopeSpans)
        for (const sp of ss.spans) {
          const key = `${Buffer.from(sp.traceId, 'base64').readUInt32BE(12)}/${sp.name}`;
          if (at.has(key)) duplicates++;
          at.set(key, gw);
        }
    }
  return { at, duplicates };
}

/** trace → the one gateway its spans `spans` reached (throws if they were split). */
function gatewayPerTrace(at: Map<string, string>, spans: number[]): Map<number, string> {
  const out = new Map<number, string>();
  for (let t = 0; t < TRACES; t++) {
    const gws = new Set(spans.map((s) => at.get(`${t}/span-${s}`)));
    if (gws.size !== 1) throw new Error(`trace ${t}: spans ${spans} reached ${[...gws].join(', ')}`);
    out.set(t, [...gws][0] as string);
  }
  return out;
}

describe('load_balancing tier with the dns resolver, end to end', () => {
  it('keeps traces together across 3 gateways, loses nothing when one dies and another joins', {
    timeout: 120_000,
  }, async () => {
    await sink.start();
    const dnsServer = await dns.listen();
    const port = await freePort();
    const ips = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const gateways = await Promise.all(
      ips.map((ip, i) => startTsunagi(gatewayConfig(ip, port, `g${i + 1}`))),
    );
    procs.push(...gateways);
    dns.set(HOST, { a: ips.slice(0, 3) });
    const lbPort = await freePort();
    const lb = await startTsunagi(
      `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${lbPort}
exporters:
  load_balancing:
    routing_key: traceID
    protocol:
      otlp:
        tls: { insecure: true }
        timeout: 10s
        retry_on_failure: { initial_interval: 100ms, max_interval: 500ms }
    resolver:
      dns:
        hostname: ${HOST}
        port: "${port}"
        interval: 100ms
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [load_balancing] }
`,
      { TSUNAGI_DNS_SERVERS: dnsServer },
    );
    procs.push(lb);
    const url = `http://127.0.0.1:${lbPort}/v1/traces`;
    const count = () => arrivals().at.size;

    // phase 1: g1, g2, g3
    await sendPhase(url, [0, 1]);
    await waitFor(() => count() === TRACES * 2, 'phase 1 at the sink', 60_000);
    const p1 = gatewayPerTrace(arrivals().at, [0, 1]);
    expect(new Set(p1.values())).toEqual(new Set(['g1', 'g2', 'g3']));

    // phase 2: g2 dies; halfway through, DNS stops listing it
    await gateways[1].stop();
    await sendPhase(url, [2, 3], () => dns.set(HOST, { a: [ips[0], ips[2]] }));
    await waitFor(() => count() === TRACES * 4, 'phase 2 at the sink (g2 queue re-routed)', 60_000);
    const p2 = gatewayPerTrace(arrivals().at, [2, 3]);

    // phase 3: g4 joins
    const asked = dns.queries;
    dns.set(HOST, { a: [ips[0], ips[2], ips[3]] });
    await waitFor(() => dns.queries >= asked + 6, 'the resolver to see g4');
    await sendPhase(url, [4]);
    await waitFor(() => count() === TRACES * 5, 'phase 3 at the sink', 60_000);
    const { at, duplicates } = arrivals();
    const p3 = gatewayPerTrace(at, [4]);

    expect(at.size).toBe(TRACES * SPANS); // nothing lost
    // delivery is at least once: a call that timed out on a busy machine but got through is sent again
    expect(duplicates).toBeLessThan((TRACES * SPANS) / 100);
    let moved12 = 0;
    let moved23 = 0;
    for (let t = 0; t < TRACES; t++) {
      const [a, b, c] = [p1.get(t), p2.get(t), p3.get(t)];
      if (a !== b) {
        moved12++;
        expect(a).toBe('g2'); // only the traces of the gateway that left move
      }
      if (b !== c) {
        moved23++;
        expect(c).toBe('g4'); // and only to the gateway that joined
      }
    }
    expect(moved12 / TRACES).toBeGreaterThan(0.25);
    expect(moved12 / TRACES).toBeLessThan(0.42);
    expect(moved23 / TRACES).toBeGreaterThan(0.25);
    expect(moved23 / TRACES).toBeLessThan(0.42);
  });
});
