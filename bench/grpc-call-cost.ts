// CPU per OTLP/gRPC Export call of the load_balancing exporter's backend sender, in one
// process against the bench's gRPC sink (its own process): one request split three ways
// makes three of these calls, so their cost is most of what load_balancing pays over a relay.
// Three clients, rounds interleaved (A B C A B C …), each sending the same part (33 spans,
// the share of one backend in a 100-span request) with 3 calls in flight:
//   lean    src/otlpclient/grpc-h2-sender.ts on its lean HTTP/2 client (src/otlpclient/h2/), the
//           part lazy (its encode a copy)
//   h2      the same sender with TSUNAGI_GRPC_LEAN=0 (node:http2)
//   h2-raw  node:http2 request()/write()/end() with the encoded body: the transport alone
//   frames  a bare HTTP/2 client on net.Socket (precomputed HEADERS block, one DATA frame,
//           the answer's frames read until END_STREAM; no HPACK decoding, no flow control
//           beyond what one small call needs): a lower bound for a leaner transport, NOT a
//           client to ship
// Prints µs of CPU (user+sys of this process) per call per client, medians over rounds.
//   node dist/bench/grpc-call-cost.js   (BENCH_CALLS per round, default 3000; BENCH_ROUNDS 5;
//   BENCH_CLIENTS=lean,frames runs those alone, e.g. under --cpu-prof)
import * as http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { decodeTracesLazy } from '../src/codec/proto-traces.js';
import { otlpGrpcConfigSchema } from '../src/otlpclient/grpc-config.js';
import { OtlpGrpcH2Sender } from '../src/otlpclient/grpc-h2-sender.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { forkRole, nextMessage } from './lib/child.js';
import { makeTraces } from './lib/traffic.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IN_FLIGHT = 3;
const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

async function run(call: () => Promise<void>): Promise<number> {
  let left = CALLS;
  const t0 = cpu();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) await call();
    }),
  );
  return (cpu() - t0) / CALLS;
}

/** The bare client: h2c, one connection, streams answered in any order. */
class FramesClient {
  private readonly socket: Socket;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  private buf: Buffer = Buffer.alloc(0);
  private readonly headerBlock: Buffer;
  /** The peer's connection flow-control window for our DATA; frames wait here while it is short. */
  private window = 65535;
  private readonly blocked: Buffer[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    const settings = frame(4, 0, 0, Buffer.from([0, 2, 0, 0, 0, 0, 0, 4, 0, 0x10, 0, 0]));
    // our connection receive window raised to 1 GiB: the answers are small
    const win = Buffer.alloc(4);
    win.writeUInt32BE(1 << 30);
    this.socket.write(
      Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), settings, frame(8, 0, 0, win)]),
    );
    // literal header fields without indexing, new names (0x00), no Huffman
    const lit = (n: string, v: string) =>
      Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)]);
    this.headerBlock = Buffer.concat([
      Buffer.from([0x83, 0x86]), // :method POST, :scheme http (static table)
      lit(':path', PATH),
      lit(':authority', `127.0.0.1:${port}`),
      lit('content-type', 'application/grpc'),
      lit('te', 'trailers'),
      lit('grpc-timeout', '5000m'),
    ]);
    this.socket.on('data', (c: Buffer) => this.read(c));
  }

  call(body: Uint8Array): Promise<void> {
    const id = this.nextId;
    this.nextId += 2;
    const msg = Buffer.allocUnsafe(5 + body.length);
    msg[0] = 0;
    msg.writeUInt32BE(body.length, 1);
    msg.set(body, 5);
    this.socket.cork();
    this.socket.write(frame(1, 0x4, id, this.headerBlock));
    this.sendData(frame(0, 0x1, id, msg));
    this.socket.uncork();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** A DATA frame (one per call, below the peer's stream window) once the connection window allows. */
  private sendData(f: Buffer): void {
    if (this.blocked.length === 0 && this.window >= f.length - 9) {
      this.window -= f.length - 9;
      this.socket.write(f);
    } else this.blocked.push(f);
  }

  private read(c: Buffer): void {
    this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    let p = 0;
    while (this.buf.length - p >= 9) {
      const len = this.buf.readUIntBE(p, 3);
      if (this.buf.length - p < 9 + len) break;
      const type = this.buf[p + 3];
      const flags = this.buf[p + 4];
      const id = this.buf.readUInt32BE(p + 5) & 0x7fffffff;
      if (type === 4 && (flags & 1) === 0) this.socket.write(frame(4, 1, 0, Buffer.alloc(0)));
      else if (type === 6 && (flags & 1) === 0)
        this.socket.write(frame(6, 1, 0, this.buf.subarray(p + 9, p + 17)));
      else if (type === 8 && id === 0) {
        this.window += this.buf.readUInt32BE(p + 9) & 0x7fffffff;
        while (this.blocked.length > 0 && this.window >= this.blocked[0].length - 9) {
          const f = this.blocked.shift() as Buffer;
          this.window -= f.length - 9;
          this.socket.write(f);
        }
      } else if ((type === 1 || type === 0) && flags & 1) {
        this.waiting.get(id)?.();
        this.waiting.delete(id);
      }
      p += 9 + len;
    }
    this.buf = this.buf.subarray(p);
  }

  close(): void {
    this.socket.destroy();
  }
}

function frame(type: number, flags: number, id: number, payload: Uint8Array): Buffer {
  const f = Buffer.allocUnsafe(9 + payload.length);
  f.writeUIntBE(payload.length, 0, 3);
  f[3] = type;
  f[4] = flags;
  f.writeUInt32BE(id, 5);
  f.set(payload, 9);
  return f;
}

export async function main(): Promise<void> {
  const sink = forkRole('otlp-sink.js', []);
  const { grpcPort } = await nextMessage<{ grpcPort: number }>(sink, 'ready');
  const body = encodeTraces(makeTraces(33, 1, 5));
  // lazy, as the split's parts are: the sender's encode copies the spans' bytes
  const data = decodeTracesLazy(body);
  const cfg = otlpGrpcConfigSchema.parse({
    endpoint: `127.0.0.1:${grpcPort}`,
    tls: { insecure: true },
    compression: 'none',
  });
  const lean = new OtlpGrpcH2Sender(cfg, silentLogger());
  await lean.start();
  const was = process.env.TSUNAGI_GRPC_LEAN;
  process.env.TSUNAGI_GRPC_LEAN = '0';
  const sender = new OtlpGrpcH2Sender(cfg, silentLogger());
  await sender.start();
  if (was === undefined) delete process.env.TSUNAGI_GRPC_LEAN;
  else process.env.TSUNAGI_GRPC_LEAN = was;
  const abort = new AbortController().signal;
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  const headers = {
    ':method': 'POST',
    ':path': PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': '5000m',
  };
  const framed = Buffer.allocUnsafe(5 + body.length);
  framed[0] = 0;
  framed.writeUInt32BE(body.length, 1);
  framed.set(body, 5);
  const rawCall = () =>
    new Promise<void>((resolve, reject) => {
      const s = session.request(headers, { endStream: false });
      s.on('error', reject);
      s.on('data', () => {});
      s.on('close', () => resolve());
      s.write(framed);
      s.end();
    });
  const frames = new FramesClient(grpcPort);
  const only = process.env.BENCH_CLIENTS?.split(',');
  const clients = (
    [
      ['lean', () => lean.send('traces', data, abort)],
      ['h2', () => sender.send('traces', data, abort)],
      ['h2-raw', rawCall],
      ['frames', () => frames.call(body)],
    ] as [string, () => Promise<void>][]
  ).filter(([n]) => !only || only.includes(n));
  // warm-up: every client's code optimized before the first measured round
  for (const [, c] of clients) await run(c);
  const results = new Map<string, number[]>(clients.map(([n]) => [n, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const [n, c] of clients) {
      const us = await run(c);
      results.get(n)?.push(us);
      console.log(`  round ${r + 1} ${n.padEnd(7)} ${us.toFixed(1)} µs CPU per call`);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [n, xs] of results)
    console.log(`${n.padEnd(7)} median ${median(xs).toFixed(1)} µs CPU per call (${body.length} B body)`);
  frames.close();
  session.close();
  await sender.shutdown();
  await lean.shutdown();
  sink.send({ type: 'exit' });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
