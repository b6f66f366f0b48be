// Hostile and buggy clients against the built binary (`npm run attack`): each
// attack runs against a fresh `tsunagi` with the issue's config (otlp + jaeger
// receivers → memory_limiter limit_mib 300 → batch → otlp_http to a slow
// backend) and the shipped manifests' heap flags (config/kubernetes), while an
// ordinary sender keeps sending and records what was acknowledged. It prints:
//
//   attack → answers → peak RSS → recovered after → acknowledged items lost
//
// Pass: no crash, no acknowledged item lost, peak RSS under the memory limit
// plus 25 %, and data accepted again within 10 s of the attack's end. Exits 1
// if any attack fails. ATTACK_ONLY=<name,...> runs some of them.
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
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
  type Ports,
  PROTO,
  PROTO_GZIP,
  post,
  SlowSink,
  THRIFT,
} from '../test/support/hostile.js';
import { startTsunagi, type TsunagiProcess } from '../test/support/tsunagi-process.js';
import { forkRole, nextMessage } from './lib/child.js';
import { manifestNodeOptions } from './lib/manifest-flags.js';

const MiB = 1024 * 1024;
/** The issue's memory_limiter limit_mib; the sidecar case runs config/sidecar.yaml's (200). */
const LIMIT_MIB = 300;
const RECOVERY_BUDGET_MS = 10_000;

interface Target {
  t: TsunagiProcess;
  ports: Ports;
  sink: SlowSink;
  http: string;
}

interface Attack {
  name: string;
  /** Heap flags: the gateway's unless said otherwise. */
  manifest?: 'statefulset.yaml' | 'examples/sidecar.yaml';
  /** memory_limiter limit_mib (LIMIT_MIB unless said otherwise); pass needs peak RSS under it + 25 %. */
  limitMib?: number;
  /** Runs the attack; returns what the attacker got back, as "answer×count" pieces. */
  run(target: Target): Promise<Map<string, number>>;
  /** Set up before the run (e.g. the backend turning hostile). */
  before?(target: Target): void;
  after?(target: Target): void;
}

function tally(answers: (string | number)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of answers) m.set(String(a), (m.get(String(a)) ?? 0) + 1);
  return m;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of `pid` in MiB, now. */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function grpcExport(port: number, body: Buffer): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * MiB,
  });
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => {
        client.close();
        resolve(err ? grpc.status[err.code] : 'OK');
      },
    ),
  );
}

const ATTACKS: Attack[] = [
  {
    name: 'amplification: 20 MiB of empty items, gzipped (OTLP proto/JSON, gauge points, spans, Jaeger tags), 3 at once',
    async run({ http, ports }) {
      const bodies: [string, Buffer, Record<string, string>][] = [
        [`${http}/v1/traces`, gzip(otlpEmptyAttributes(20 * MiB)), PROTO_GZIP],
        [`${http}/v1/metrics`, gzip(otlpEmptyGaugePoints(20 * MiB)), PROTO_GZIP],
        [`${http}/v1/traces`, gzip(otlpEmptySpans(20 * MiB)), PROTO_GZIP],
        [`${http}/v1/traces`, gzip(otlpJsonEmptyAttributes(20 * MiB)), JSON_GZIP],
        [`http://127.0.0.1:${ports.jaeger}/api/traces`, jaegerEmptyTags(20 * MiB), THRIFT],
      ];
      const answers: number[] = [];
      for (const [url, body, headers] of bodies) {
        const three = await Promise.all([0, 1, 2].map(() => post(url, body, headers)));
        answers.push(...three.map((a) => a.status));
      }
      return tally(answers);
    },
  },
  {
    name: 'amplification over gRPC: 4 MiB of empty attributes, 3 at once (sidecar heap flags, limit_mib 200)',
    manifest: 'examples/sidecar.yaml',
    limitMib: 200,
    async run({ ports }) {
      const body = otlpEmptyAttributes(4 * MiB - 64);
      return tally(await Promise.all([0, 1, 2].map(() => grpcExport(ports.grpc, body))));
    },
  },
  {
    name: 'gzip bombs: 20 at once, 64 MiB each once inflated',
    async run({ http }) {
      const bomb = gzipBomb(64 * MiB);
      const all = await Promise.all(
        Array.from({ length: 20 }, () => post(`${http}/v1/traces`, bomb, PROTO_GZIP)),
      );
      return tally(all.map((a) => a.status));
    },
  },
  {
    name: 'slow clients: 500 connections sending a body a byte a second for 8 s',
    async run({ ports }) {
      const sockets: Socket[] = [];
      const answers: string[] = [];
      for (let i = 0; i < 500; i++) {
        const s = netConnect(ports.http, '127.0.0.1');
        s.on('error', () => {});
        s.write(
          'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000000\r\n\r\n',
        );
        let got = '';
        s.on('data', (d) => {
          got += d;
        });
        s.on('close', () => answers.push(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 'closed'));
        sockets.push(s);
      }
      for (let t = 0; t < 8; t++) {
        for (const s of sockets) if (!s.destroyed) s.write('x');
        await sleep(1000);
      }
      for (const s of sockets) s.destroy();
      await sleep(200);
      return tally(answers);
    },
  },
  {
    name: 'HTTP/2: 20 connections × 1000 streams with partial gRPC messages (announced 4 MiB, 16 KiB sent), held 35 s',
    async run({ ports }) {
      // a separate process, so the attacker's own work does not slow the measurements
      const child = forkRole('attack-h2.js', [String(ports.grpc), '20', '1000', String(16 * 1024), '35']);
      const { answers } = await nextMessage<{ answers: [string, number][] }>(child, 'done');
      child.kill();
      return new Map(answers);
    },
  },
  {
    name: 'huge answers: the backend answers every export with 200 MiB for 10 s',
    before({ sink }) {
      sink.hugeAnswer = 200 * MiB;
    },
    after({ sink }) {
      sink.hugeAnswer = 0;
    },
    async run() {
      await sleep(10_000);
      return tally(['(the backend attacks)']);
    },
  },
  {
    name: 'flood: 64 senders of 1 MiB requests (~3000 spans each) for 10 s',
    async run({ http }) {
      const body = goodTraces('flood', 3000);
      const answers: number[] = [];
      const end = Date.now() + 10_000;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (Date.now() < end) answers.push((await post(`${http}/v1/traces`, body, PROTO)).status);
        }),
      );
      return tally(answers);
    },
  },
];

interface Row {
  attack: string;
  answers: string;
  peakRssMiB: number;
  recoveredMs: number | undefined;
  acknowledged: number;
  lost: number;
  crashed: boolean;
  pass: boolean;
}

async function runAttack(a: Attack): Promise<Row> {
  const sink = await new SlowSink(200).start();
  const ports = await freePorts();
  const flags = manifestNodeOptions(a.manifest ?? 'statefulset.yaml');
  const limitMib = a.limitMib ?? LIMIT_MIB;
  const t = await startTsunagi(attackConfig(ports, sink.port, limitMib), {}, flags);
  const pid = t.child.pid!;
  const http = `http://127.0.0.1:${ports.http}`;
  const target: Target = { t, ports, sink, http };
  let peak = rssMiB(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 20);
  // an ordinary sender, before, during and after: what it got acknowledged must arrive
  const acknowledged = new Set<string>();
  let seq = 0;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      const prefix = `ack.${seq++}`;
      const a2 = await post(`${http}/v1/traces`, goodTraces(prefix, 10), PROTO);
      if (a2.status === 200) for (let i = 0; i < 10; i++) acknowledged.add(`${prefix}-${i}`);
      await sleep(50);
    }
  })();
  await sleep(1000);
  a.before?.(target);
  const answers = await a.run(target);
  a.after?.(target);
  const ended = Date.now();
  // recovered: an ordinary request accepted again
  let recoveredMs: number | undefined;
  while (Date.now() - ended < 60_000 && t.child.exitCode === null) {
    const name = `probe.${seq++}`;
    const probe = await post(`${http}/v1/traces`, goodTraces(name, 1), PROTO);
    if (probe.status === 200) {
      recoveredMs = Date.now() - ended;
      acknowledged.add(`${name}-0`);
      break;
    }
    await sleep(100);
  }
  sending = false;
  await sender;
  // everything acknowledged reaches the backend (the queue drains)
  const deadline = Date.now() + 60_000;
  const lostNow = () => [...acknowledged].filter((n) => !sink.spans.has(n)).length;
  while (lostNow() > 0 && Date.now() < deadline && t.child.exitCode === null) await sleep(200);
  clearInterval(sampler);
  const crashed = t.child.exitCode !== null || t.child.signalCode !== null;
  const lost = lostNow();
  await t.stop();
  await sink.stop();
  if (process.env.ATTACK_LOG) process.stderr.write(t.stderr());
  const answerText = [...answers].map(([k, n]) => `${k}×${n}`).join(', ');
  const pass =
    !crashed &&
    lost === 0 &&
    peak < limitMib * 1.25 &&
    recoveredMs !== undefined &&
    recoveredMs < RECOVERY_BUDGET_MS;
  return {
    attack: a.name,
    answers: answerText,
    peakRssMiB: Math.round(peak),
    recoveredMs,
    acknowledged: acknowledged.size,
    lost,
    crashed,
    pass,
  };
}

async function main(): Promise<void> {
  const only = process.env.ATTACK_ONLY?.split(',').map((s) => s.trim().toLowerCase());
  const rows: Row[] = [];
  for (const a of ATTACKS) {
    if (only && !only.some((o) => a.name.toLowerCase().startsWith(o))) continue;
    process.stderr.write(`attack: ${a.name} ...\n`);
    const row = await runAttack(a);
    rows.push(row);
    process.stderr.write(`  ${JSON.stringify(row)}\n`);
  }
  console.log(
    `\nAttacks against dist/tsunagi.mjs (memory_limiter limit_mib ${LIMIT_MIB} unless said otherwise; pass: no crash, nothing acknowledged lost, peak RSS < the limit + 25 %, recovered < ${RECOVERY_BUDGET_MS / 1000} s)\n`,
  );
  console.log('| attack | answers | peak RSS | recovered after | acknowledged items lost | result |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.attack} | ${r.answers}${r.crashed ? ' — **crashed**' : ''} | ${r.peakRssMiB} MiB | ${
        r.recoveredMs === undefined ? 'never' : `${(r.recoveredMs / 1000).toFixed(1)} s`
      } | ${r.lost} of ${r.acknowledged} | ${r.pass ? 'pass' : '**FAIL**'} |`,
    );
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}

await main();
