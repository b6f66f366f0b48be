// Test helpers for the syslog receiver: start one with a YAML-like config on
// 127.0.0.1:0, read what it delivered as plain records, send over TCP/UDP.
import dgram from 'node:dgram';
import net from 'node:net';
import { fromAnyValue } from '../../src/pdata/attributes.js';
import type { LogsData } from '../../src/pdata/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { TestConsumer } from '../../test/support/gated-consumer.js';
import { factory } from './factory.js';
import type { SyslogReceiver } from './receiver.js';

export interface Rec {
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  time: bigint;
  observed: bigint;
  severity: number;
  severityText: string;
  scope: string;
}

export function records(received: LogsData[]): Rec[] {
  const out: Rec[] = [];
  for (const ld of received)
    for (const rl of ld.resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords)
          out.push({
            body: fromAnyValue(r.body),
            attributes: Object.fromEntries(r.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)])),
            resource: Object.fromEntries(
              rl.resource.attributes.map((kv) => [kv.key, fromAnyValue(kv.value)]),
            ),
            time: r.timeUnixNano,
            observed: r.observedTimeUnixNano,
            severity: r.severityNumber,
            severityText: r.severityText,
            scope: sl.scope.name,
          });
  return out;
}

export interface LogLine {
  level: 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

export interface Started {
  rx: SyslogReceiver;
  /** What the receiver logged at warn and error level. */
  logs: LogLine[];
  sink: TestConsumer<'logs'>;
  metrics: SelfMetrics;
  port: number;
  recs(): Rec[];
  stop(): Promise<void>;
}

export async function startSyslog(cfg: Record<string, unknown>): Promise<Started> {
  const parsed = factory.configSchema.parse(cfg);
  const sink = new TestConsumer<'logs'>();
  const metrics = new SelfMetrics();
  const logs: LogLine[] = [];
  const capture = (level: LogLine['level']) => (fields: Record<string, unknown>, msg: string) =>
    logs.push({ level, msg, fields });
  const logger = Object.assign(Object.create(silentLogger()), {
    warn: capture('warn'),
    error: capture('error'),
  });
  const settings = { ...testSettings('syslog', 'receiver', metrics), logger };
  const rx = factory.create(settings, parsed, { logs: sink }) as SyslogReceiver;
  await rx.start(emptyHost);
  return {
    rx,
    logs,
    sink,
    metrics,
    port: rx.port,
    recs: () => records(sink.received),
    stop: () => rx.shutdown(),
  };
}

/** Sends bytes over one TCP connection and closes it (resolves when closed). */
export async function sendTcp(port: number, data: Buffer | string | (Buffer | string)[]): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  for (const d of Array.isArray(data) ? data : [data]) sock.write(d);
  sock.end();
  await new Promise<void>((resolve) => sock.once('close', () => resolve()));
}

export async function sendUdp(port: number, datagrams: (Buffer | string)[]): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (const d of datagrams)
    await new Promise<void>((resolve, reject) =>
      s.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  s.close();
}

/** Bounded poll. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An octet-counted frame. */
export const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

/** The value of a counter in the metrics text exposition. */
export async function counterValue(metrics: SelfMetrics, name: string): Promise<number> {
  const text = await metrics.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
  return sum;
}
