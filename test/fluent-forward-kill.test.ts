// kill -9 through the built binary: a forwarder that resends unacknowledged
// chunks (as fluentd/Fluent Bit do with require_ack_response) sends
// PackedForward chunks to Tsunagi, whose otlp_http exporter has a persistent
// queue and a backend that is down. Tsunagi is killed mid-stream and restarted
// on the same directory, then the backend comes up: every event the forwarder
// saw acknowledged arrives, and duplicates are only events of chunks that were
// unacknowledged at the kill.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr, unpackMultiple } from 'msgpackr';
import { expect, it } from 'vitest';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';
import { decodeUpstream } from './support/upstream-otlp.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const CHUNKS = 60;
const PER_CHUNK = 10;

/** A forwarder with at-least-once delivery: each chunk is resent until its ack arrives. */
class Forwarder {
  readonly acked = new Set<number>();
  private socket: Socket | undefined;
  constructor(private readonly port: number) {}

  private frame(chunk: number): Buffer {
    const entries = Buffer.concat(
      Array.from({ length: PER_CHUNK }, (_, i) => packr.pack([1_700_000_000, { log: `c${chunk}-e${i}` }])),
    );
    return packr.pack(['kill.test', entries, { chunk: `chunk-${chunk}`, size: PER_CHUNK }]);
  }

  /** Sends chunk after chunk, one in flight at a time; resolves once all are acknowledged. */
  async run(): Promise<void> {
    for (let c = 0; c < CHUNKS; c++) {
      while (!this.acked.has(c)) {
        try {
          await this.sendOne(c);
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // Tsunagi is down: retry the same chunk
        }
      }
    }
    this.socket?.destroy();
  }

  private async sendOne(c: number): Promise<void> {
    const socket = await this.connected();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(new Error('ack timeout'));
      }, 3000);
      const onData = (d: Buffer) => {
        for (const a of unpackMultiple(d) as { ack: string }[]) {
          if (a.ack === `chunk-${c}`) {
            this.acked.add(c);
            cleanup();
            resolve();
          }
        }
      };
      const onClose = () => {
        cleanup();
        reject(new Error('closed'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
      };
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.write(this.frame(c));
    });
  }

  private connected(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s = connect(this.port, '127.0.0.1');
      s.once('connect', () => {
        this.socket = s;
        resolve(s);
      });
      s.once('error', reject);
    });
  }
}

it('every event acknowledged before a kill -9 arrives after the restart (persistent queue)', async () => {
  const [fluentPort, sinkPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-ff-kill-'));
  const config = `
extensions:
  file_storage: { directory: ${dir} }
receivers:
  fluent_forward: { endpoint: 127.0.0.1:${fluentPort} }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sinkPort}
    compression: none
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }
    sending_queue: { storage: file_storage }
service:
  extensions: [file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    logs: { receivers: [fluent_forward], exporters: [otlp_http] }
`;
  let tsunagi: TsunagiProcess | undefined = await startTsunagi(config);
  const received: string[] = [];
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const logs = decodeUpstream('logs', Buffer.concat(chunks));
      for (const rl of logs.resourceLogs ?? [])
        for (const sl of rl.scopeLogs ?? [])
          for (const r of sl.logRecords ?? []) received.push(r.body.stringValue);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  try {
    const forwarder = new Forwarder(fluentPort);
    const sending = forwarder.run();
    await waitFor(() => forwarder.acked.size >= CHUNKS / 3, 'a third of the chunks acknowledged', 20_000);
    await tsunagi.stop('SIGKILL');
    const ackedAtKill = new Set(forwarder.acked);
    tsunagi = await startTsunagi(config);
    await sending;
    await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r)); // the backend comes up
    const all = Array.from({ length: CHUNKS }, (_, c) =>
      Array.from({ length: PER_CHUNK }, (_, i) => `c${c}-e${i}`),
    ).flat();
    await waitFor(
      () => all.every((e) => received.includes(e)),
      'every acknowledged event at the sink',
      30_000,
    );
    // duplicates: only events of chunks that were in flight (not acknowledged) when Tsunagi died
    const counts = new Map<string, number>();
    for (const e of received) counts.set(e, (counts.get(e) ?? 0) + 1);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([e]) => Number(/^c(\d+)-/.exec(e)![1]));
    for (const c of duplicated)
      expect(ackedAtKill.has(c), `chunk ${c} acked before the kill and duplicated`).toBe(false);
    expect(new Set(duplicated).size).toBeLessThanOrEqual(1); // one chunk in flight at a time
  } finally {
    await tsunagi?.stop();
    await new Promise((r) => sink.close(r));
  }
}, 90_000);
