// Rotation and restart torture of the agent as deployed: the built `tsunagi` binary runs
// config/agent.yaml (include/exclude globs as shipped, under a temp root; real file_storage
// checkpoints and persistent exporter queue) and sends to a sink over OTLP/HTTP. Meanwhile:
// - a writer appends numbered CRI lines (JSON bodies, every 25th split into P/F fragments) at a
//   fixed rate to two containers of a pod under <root>/var/log/pods;
// - container `app` is rotated the kubelet way: rename 0.log → 0.log.<YYYYMMDD-hhmmss>, the
//   runtime writes a few more lines to the renamed file before it reopens 0.log; at a later
//   rotation older rotated files are gzipped (0.log.<ts>.gz) and the original deleted;
// - container `sidecar` is rotated with copytruncate (copy to 0.log.<ts>, truncate 0.log);
// - every cycle the sink answers 503 for a while, Tsunagi is stopped with SIGTERM (and `app`
//   is rotated while it is down) and restarted, then killed with SIGKILL and restarted.
// At the end every number 1..N must have arrived. Duplicates are allowed only after a kill -9
// and are bounded, see DUP_WINDOW_MS.
//
// Used by test/agent-torture.load.test.ts (short) and bench/torture.ts (`npm run torture`, long).
// TORTURE_TSUNAGI_LOG=<file> appends Tsunagi's own log there, for diagnosis.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeLogs } from '../../src/codec/otlp-proto.js';
import { anyValueToString } from '../../src/pdata/attributes.js';
import type { LogsData } from '../../src/pdata/types.js';
import { agentConfig } from './agent-config.js';
import { freePort } from './ports.js';

/**
 * file_log writes the offsets of every accepted batch right after it was accepted (a small
 * fsync'd overlay record; receivers/file_log/README.md, "Acknowledgement and checkpoints"). A
 * line is accepted once it is in the exporter's persistent queue. So after kill -9 the lines
 * read again are those in flight: read but not yet accepted (never delivered), or accepted
 * while their offsets write was under way. The test cannot see the acceptance, so it takes the
 * sink's first delivery of a line (after its acceptance; at 200 the queue sends at once) as its
 * stand-in. A batch accepted before the kill but not yet sent, or sent but its deletion from
 * the queue not yet written, is sent again from the queue right after the restart, and the
 * line may be read again too: such a line arrives three times.
 *
 * Bound asserted: every duplicated number was, for some kill -9, written within DUP_WINDOW_MS
 * before it, or first delivered within DUP_WINDOW_MS before it or within DUP_WINDOW_MS after
 * the restart that followed (200 ms poll + 800 ms allowance for read, queue and fsync lag on a
 * loaded machine); each at most twice more per such kill (queue re-send and re-read); and no
 * duplicates at all anywhere else (SIGTERM restarts, sink outages, rotations, copytruncate).
 */
export const DUP_WINDOW_MS = 200 + 800;
const GZIP_AFTER_MS = 3000;

export interface AgentTortureOptions {
  /** How long the writer writes (the drain afterwards is extra, see drainStallMs). */
  durationMs: number;
  linesPerSecond?: number;
  /**
   * The drain after the writer stops ends when every line arrived, or when no missing
   * line has arrived for this long (default 8 s): a slow agent on a loaded machine is
   * still catching up, a lost line never comes. drainMaxMs caps the whole drain.
   */
  drainStallMs?: number;
  drainMaxMs?: number;
  /** SIGKILL a Tsunagi that has not exited this long after SIGTERM (file_log's own bound is 10 s). */
  stopTimeoutMs?: number;
  /** Keep writing past durationMs (at most 2.5x) until at least this much of the schedule happened. */
  minSchedule?: { sigterms?: number; kills?: number; rotations?: number; copytruncates?: number };
  /** Turn single disturbances off, to find which one a failure comes from. */
  disable?: { copytruncate?: boolean; gzip?: boolean };
  /** Progress lines (e.g. console.error) */
  log?: (msg: string) => void;
}

export interface AgentTortureResult {
  written: number;
  /** Distinct numbers that arrived. */
  received: number;
  /** Records that arrived, duplicates included. */
  deliveries: number;
  missing: number[];
  /** Numbers that arrived more than once, with how often. */
  duplicated: { seq: number; count: number }[];
  /** The asserted bound: Σ over kills of the lines in that kill's window (see DUP_WINDOW_MS). */
  duplicateBound: number;
  /** Duplicated numbers outside every kill -9's window (see DUP_WINDOW_MS). */
  duplicatedOutsideKillWindows: number[];
  /** Missing lines per file generation (`app#3` = the 3rd `app` 0.log), for diagnosis. */
  missingByFile: Record<string, { count: number; first: number; last: number }>;
  /** Duplicated numbers outside the kill windows per file generation, for diagnosis. */
  duplicatedOutsideByFile: Record<string, { count: number; first: number; last: number }>;
  events: string[];
  rotations: number;
  gzipped: number;
  copytruncates: number;
  sigterms: number;
  /** SIGTERMs after which Tsunagi did not exit 0 within stopTimeoutMs (with its log's tail). */
  sigtermFailures: string[];
  kills: number;
  sink503: number;
  recordsWithoutSeq: number;
  wallMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tsunagiMain(): string {
  // the bundled binary, from test/support (vitest) or from dist/test/support (npm run torture)
  for (const rel of ['../../dist/tsunagi.mjs', '../../tsunagi.mjs']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('dist/tsunagi.mjs not found: run `npm run build` first');
}

class Tsunagi {
  child!: ChildProcess;
  private tail = '';
  readyAt = 0;
  /** When the current process was spawned (its file_log reads before it reports ready). */
  startedAt = 0;
  /** Set when a stop took over 5 s: how busy the process was meanwhile. */
  stuckCpu = '';
  constructor(
    private readonly configPath: string,
    private readonly stopTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    this.tail = '';
    this.stuckCpu = '';
    this.startedAt = Date.now();
    const child = spawn(process.execPath, [tsunagiMain(), '--config', this.configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.tail = (this.tail + d.toString()).slice(-20_000);
      if (process.env.TORTURE_TSUNAGI_LOG) appendFileSync(process.env.TORTURE_TSUNAGI_LOG, d);
    });
    const end = Date.now() + 15_000;
    while (!this.tail.includes('Everything is ready')) {
      if (child.exitCode !== null) throw new Error(`tsunagi exited with ${child.exitCode}:\n${this.tail}`);
      if (Date.now() > end) throw new Error(`tsunagi not ready after 15 s:\n${this.tail}`);
      await sleep(20);
    }
    this.readyAt = Date.now();
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const pid = this.child.pid as number;
    const ticks = () => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
      } catch {
        return Number.NaN;
      }
    };
    const t = setTimeout(() => this.child.kill('SIGKILL'), this.stopTimeoutMs);
    const probe = setTimeout(() => {
      const a = ticks();
      setTimeout(() => {
        let wchan = '';
        try {
          wchan = `; main thread wchan ${readFileSync(`/proc/${pid}/wchan`, 'utf8')}, syscall ${readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]}`;
        } catch {}
        this.stuckCpu = `no exit 5 s after ${signal}; CPU ticks in 1 s: ${ticks() - a}${wchan}`;
      }, 1000).unref();
    }, 5000);
    const [code] = await exited;
    clearTimeout(t);
    clearTimeout(probe);
    return code as number | null;
  }

  logTail(): string {
    return this.tail;
  }
}

/** Counts numbered lines; answers `status` (200, or 503 during an outage) without recording. */
class SeqSink {
  status = 200;
  counts: number[] = [];
  /** When each number first arrived (ms). */
  firstAt: number[] = [];
  deliveries = 0;
  recordsWithoutSeq = 0;
  answered503 = 0;
  inFlight = 0;
  port = 0;
  private server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.inFlight++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          if (req.url !== '/v1/logs') {
            res.writeHead(404).end();
            return;
          }
          if (this.status !== 200) {
            this.answered503++;
            res.writeHead(this.status).end();
            return;
          }
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          this.record(decodeLogs(body)); // counting numbers: Tsunagi's own decoder will do
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } finally {
          this.inFlight--;
        }
      });
    });
  }

  private record(d: LogsData): void {
    for (const rl of d.resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const lr of sl.logRecords) {
          const m = /"seq":(\d+)/.exec(anyValueToString(lr.body));
          if (!m) {
            this.recordsWithoutSeq++;
            continue;
          }
          const n = Number(m[1]);
          this.counts[n] = (this.counts[n] ?? 0) + 1;
          this.firstAt[n] ??= Date.now();
          this.deliveries++;
        }
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A container's stdout as the runtime writes it (CRI), with the file generation of each line. */
class Container {
  fd: number;
  gen = 1;
  rotatedCount = 0;
  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(this.live, 'a');
  }
  get live(): string {
    return join(this.dir, '0.log');
  }
  /** kubelet's rotated-file suffix (time.Format("20060102-150405")); a fake clock keeps names unique. */
  nextRotatedName(): string {
    const d = new Date(Date.UTC(2025, 0, 1, 0, 0, ++this.rotatedCount));
    const p = (n: number) => String(n).padStart(2, '0');
    return join(
      this.dir,
      `0.log.${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`,
    );
  }
}

export async function runAgentTorture(opts: AgentTortureOptions): Promise<AgentTortureResult> {
  const t0 = Date.now();
  const rate = opts.linesPerSecond ?? 4000;
  const say = opts.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'agent-torture-'));
  const events: string[] = [];
  let seq = 0;
  const event = (what: string) => {
    const e = `${((Date.now() - t0) / 1000).toFixed(2)}s ${what} [sink: ${sink.deliveries} records, written: ${seq}]`;
    events.push(e);
    say(e);
  };

  const sink = await new SeqSink().start();
  const configPath = join(root, 'agent.yaml');
  writeFileSync(
    configPath,
    agentConfig({
      root,
      storageDir: join(root, 'var/lib/tsunagi/storage'),
      sinkHttpPort: sink.port,
      healthPort: await freePort(),
    }),
  );
  const tsunagi = new Tsunagi(configPath, opts.stopTimeoutMs ?? 20_000);
  let up = false;
  try {
    await tsunagi.start();
    up = true;
    // start_at: end applies to files present at the very first start: create them after it
    const pod = join(root, 'var/log/pods/shop_orders-7d9f8b-x2x_0f1e2d3c-aaaa-bbbb-cccc-000000000002');
    const app = new Container('app', join(pod, 'app'));
    const sidecar = new Container('sidecar', join(pod, 'sidecar'));

    // ---- the writer -------------------------------------------------------------------
    const fileLabels: string[] = [];
    const labelOf: number[] = []; // seq → index into fileLabels
    const labelIndex = new Map<string, number>();
    const label = (c: Container, fd: number) => {
      const l = `${c.name}#${fd === c.fd ? c.gen : c.gen - 1}`;
      let i = labelIndex.get(l);
      if (i === undefined) {
        i = fileLabels.push(l) - 1;
        labelIndex.set(l, i);
      }
      return i;
    };
    const pad = 'lorem ipsum dolor sit amet '.repeat(4);
    const writeLines = (c: Container, fd: number, n: number) => {
      const ts = new Date().toISOString().replace('Z', '123456Z');
      const li = label(c, fd);
      let s = '';
      for (let k = 0; k < n; k++) {
        const line = `{"level":"info","seq":${++seq},"container":"${c.name}","msg":"order processed ${pad}"}`;
        labelOf[seq] = li;
        if (seq % 25 === 0) {
          const cut = 20 + (seq % 40); // CRI partial: P fragment + F fragment, split mid-line
          s += `${ts} stdout P ${line.slice(0, cut)}\n${ts} stdout F ${line.slice(cut)}\n`;
        } else s += `${ts} stdout F ${line}\n`;
      }
      writeSync(fd, s);
    };
    const seqTimeline: { t: number; seq: number }[] = [{ t: Date.now(), seq: 0 }];
    let late: { c: Container; fd: number } | undefined; // the runtime has not reopened yet
    let lastTick = Date.now();
    let writing = true;
    const flushLate = () => {
      if (!late) return;
      writeLines(late.c, late.fd, 3); // lines that land in the renamed file
      closeSync(late.fd);
      late = undefined;
    };
    const writeTick = () => {
      const now = Date.now();
      const n = Math.max(1, Math.round(((now - lastTick) * rate) / 1000));
      lastTick = now;
      flushLate();
      const nApp = Math.ceil((n * 3) / 4);
      writeLines(app, app.fd, nApp);
      writeLines(sidecar, sidecar.fd, n - nApp);
      seqTimeline.push({ t: now, seq });
    };
    const writer = setInterval(() => writing && writeTick(), 10);

    // ---- rotations ----------------------------------------------------------------------
    let rotations = 0;
    let gzipped = 0;
    let copytruncates = 0;
    const rotatedApp: { path: string; at: number }[] = [];
    const gzFiles: string[] = [];
    const rotateApp = (why: string) => {
      flushLate();
      const to = app.nextRotatedName();
      renameSync(app.live, to);
      writeLines(app, app.fd, 2);
      late = { c: app, fd: app.fd }; // one more write lands in the renamed file
      app.fd = openSync(app.live, 'a');
      app.gen++;
      rotations++;
      event(`rotate app#${app.gen - 1} → ${to.slice(-22)}${why}`);
      // kubelet compresses the rotated files but the newest at a later rotation, ≥ 10 s after
      // the rename in practice (it checks sizes every 10 s); here once a file was renamed
      // GZIP_AFTER_MS ago and Tsunagi has been up for 2 s, so it had the time to read it
      const now = Date.now();
      if (!opts.disable?.gzip && up && now - tsunagi.readyAt >= 2000) {
        while (rotatedApp.length > 0 && now - rotatedApp[0].at >= GZIP_AFTER_MS) {
          const f = (rotatedApp.shift() as { path: string }).path;
          writeFileSync(`${f}.gz`, gzipSync(readFileSync(f)));
          unlinkSync(f);
          gzFiles.push(`${f}.gz`);
          gzipped++;
        }
        while (gzFiles.length > 3) rmSync(gzFiles.shift() as string); // kubelet keeps 5 files
      }
      rotatedApp.push({ path: to, at: now });
    };
    const copytruncateSidecar = (why: string) => {
      const to = sidecar.nextRotatedName();
      copyFileSync(sidecar.live, to);
      truncateSync(sidecar.live, 0);
      sidecar.gen++; // the writer's O_APPEND descriptor now writes from offset 0
      copytruncates++;
      event(`copytruncate sidecar#${sidecar.gen - 1} → ${to.slice(-22)}${why}`);
    };
    let nextRotate = Date.now() + 1200;
    let nextCopytruncate = Date.now() + 2000;
    // Rotations while Tsunagi runs, plus exactly one while it is down after SIGTERM (the
    // director's): kubelet checks sizes every 10 s, a restart takes less, so a real agent never
    // misses two rotations. A copytruncate while Tsunagi is down would lose the unread tail for
    // any agent that does not read the copies, so there is none.
    const rotator = setInterval(() => {
      if (!writing || !up) return;
      if (Date.now() >= nextRotate) {
        rotateApp('');
        nextRotate = Date.now() + 1200;
      }
      if (!opts.disable?.copytruncate && Date.now() >= nextCopytruncate) {
        copytruncateSidecar('');
        nextCopytruncate = Date.now() + 2000;
      }
    }, 50);

    // ---- the director: outages and restarts, cycle by cycle ---------------------------
    let sigterms = 0;
    const sigtermFailures: string[] = [];
    const kills: { at: number; startedAt: number; readyAfter: number }[] = [];
    // writing goes on past durationMs (up to 2.5x) until the minimum schedule happened: on a
    // loaded machine a restart takes seconds, and rotations happen only while Tsunagi is up
    const min = opts.minSchedule;
    const scheduleMet = () =>
      !min ||
      (sigterms >= (min.sigterms ?? 0) &&
        kills.length >= (min.kills ?? 0) &&
        rotations >= (min.rotations ?? 0) &&
        copytruncates >= (min.copytruncates ?? 0));
    const hardEnd = t0 + opts.durationMs * 2.5;
    const writingOn = () => Date.now() < hardEnd && (Date.now() < t0 + opts.durationMs || !scheduleMet());
    const until = async (t: number) => {
      while (Date.now() < t && writingOn()) await sleep(Math.min(50, t - Date.now()));
      return writingOn();
    };
    try {
      // one cycle: 503 for 1.5 s; SIGTERM 0.5 s later; kill -9 DUP_WINDOW_MS after the restart
      // (so it does not fall into the catch-up after a restart); 0.5 s of quiet
      for (;;) {
        const start = Date.now();
        if (!(await until(start + 300))) break;
        sink.status = 503;
        event('sink → 503');
        await until(start + 1800);
        sink.status = 200;
        event('sink → 200');
        if (!(await until(start + 2300))) break;
        up = false;
        const code = await tsunagi.stop('SIGTERM');
        sigterms++;
        event(`SIGTERM → exit ${code} ${tsunagi.stuckCpu}`);
        if (code !== 0)
          sigtermFailures.push(`exit ${code} ${tsunagi.stuckCpu}: ${tsunagi.logTail().slice(-1500)}`);
        rotateApp(' (tsunagi down)');
        await sleep(200);
        await tsunagi.start();
        up = true;
        event('restarted');
        if (!(await until(tsunagi.readyAt + DUP_WINDOW_MS))) break;
        up = false;
        const kill = { at: Date.now(), startedAt: tsunagi.startedAt, readyAfter: Number.POSITIVE_INFINITY };
        kills.push(kill);
        await tsunagi.stop('SIGKILL');
        event('kill -9');
        await sleep(200);
        await tsunagi.start();
        kill.readyAfter = tsunagi.readyAt;
        up = true;
        event('restarted');
        if (!(await until(tsunagi.readyAt + 500))) break;
      }
    } finally {
      writing = false;
      clearInterval(writer);
      clearInterval(rotator);
      if (late) closeSync(late.fd);
      closeSync(app.fd);
      closeSync(sidecar.fd);
      sink.status = 200;
    }
    const written = seq;
    event(`writer stopped at ${written}`);

    // ---- drain, then stop so nothing else can arrive -----------------------------------
    const missingNow = () => {
      let m = 0;
      for (let i = 1; i <= written; i++) if (!sink.counts[i]) m++;
      return m;
    };
    const drainEnd = Date.now() + (opts.drainMaxMs ?? 60_000);
    const stallMs = opts.drainStallMs ?? 8000;
    let lastMissing = missingNow();
    let lastProgress = Date.now();
    while (lastMissing > 0 && Date.now() < drainEnd && Date.now() - lastProgress < stallMs) {
      await sleep(100);
      const m = missingNow();
      if (m < lastMissing) lastProgress = Date.now();
      lastMissing = m;
    }
    event(`drained (${missingNow()} missing)`);
    if (missingNow() > 0) say(`tsunagi's log (tail):\n${tsunagi.logTail().slice(-4000)}`);
    up = false;
    const code = await tsunagi.stop('SIGTERM');
    if (code !== 0) {
      sigtermFailures.push(`final: exit ${code} ${tsunagi.stuckCpu}: ${tsunagi.logTail().slice(-1500)}`);
      event(`final SIGTERM → exit ${code} ${tsunagi.stuckCpu}`);
      say(`tsunagi's log (tail):\n${tsunagi.logTail().slice(-4000)}`);
    }
    for (let i = 0; i < 100 && sink.inFlight > 0; i++) await sleep(20);

    // ---- results ----------------------------------------------------------------------
    const seqAt = (t: number) => {
      let s = 0;
      for (const p of seqTimeline) if (p.t <= t) s = p.seq;
      return s;
    };
    // see DUP_WINDOW_MS: written shortly before the kill, or first delivered (≈ accepted) shortly
    // before it or shortly after the restart that followed it (re-sent from the queue)
    // The killed process lived only about DUP_WINDOW_MS past its readiness, and its file_log
    // reads (the backlog written while it was down) from its spawn on, before it reports ready
    // and before this test's loop notices: on a loaded host whole batches were delivered before
    // `readyAt`. Anything that process delivered may be in flight at the kill.
    const windows = kills.map((k) => ({
      from: seqAt(k.at - DUP_WINDOW_MS),
      to: seqAt(k.at),
      deliveredFrom: Math.min(k.at - DUP_WINDOW_MS, k.startedAt),
      deliveredTo: k.at,
      replayTo: k.readyAfter + DUP_WINDOW_MS,
      readyAfter: k.readyAfter,
    }));
    const inWindow = (i: number, w: (typeof windows)[number]) => {
      if (i > w.from && i <= w.to) return true;
      const t = sink.firstAt[i];
      return (
        t !== undefined &&
        ((t >= w.deliveredFrom && t <= w.deliveredTo) || (t >= w.readyAfter && t <= w.replayTo))
      );
    };
    let duplicateBound = 0;
    const missing: number[] = [];
    const duplicated: { seq: number; count: number }[] = [];
    const duplicatedOutsideKillWindows: number[] = [];
    const missingByFile: AgentTortureResult['missingByFile'] = {};
    const duplicatedOutsideByFile: AgentTortureResult['missingByFile'] = {};
    const tally = (by: AgentTortureResult['missingByFile'], i: number) => {
      const l = fileLabels[labelOf[i]];
      const m = by[l] ?? { count: 0, first: i, last: i };
      by[l] = m;
      m.count++;
      m.last = i;
    };
    let received = 0;
    for (let i = 1; i <= written; i++) {
      const n = sink.counts[i] ?? 0;
      if (n === 0) {
        missing.push(i);
        tally(missingByFile, i);
      } else received++;
      // per kill: once from the queue (sent, deletion not yet written), once read again (checkpoint)
      const inWindows = n > 0 ? 2 * windows.filter((w) => inWindow(i, w)).length : 0;
      duplicateBound += inWindows;
      if (n > 1) {
        duplicated.push({ seq: i, count: n });
        if (n - 1 > inWindows) {
          duplicatedOutsideKillWindows.push(i);
          tally(duplicatedOutsideByFile, i);
        }
      }
    }
    const extra = sink.counts.reduce((a, n) => a + (n > 1 ? n - 1 : 0), 0);
    if (extra > 0 || missing.length > 0) event(`${missing.length} missing, ${extra} extra deliveries`);
    return {
      written,
      received,
      deliveries: sink.deliveries,
      missing,
      duplicated,
      duplicateBound,
      duplicatedOutsideKillWindows,
      missingByFile,
      duplicatedOutsideByFile,
      events,
      rotations,
      gzipped,
      copytruncates,
      sigterms,
      sigtermFailures,
      kills: kills.length,
      sink503: sink.answered503,
      recordsWithoutSeq: sink.recordsWithoutSeq,
      wallMs: Date.now() - t0,
    };
  } finally {
    if (tsunagi.child && tsunagi.child.exitCode === null && tsunagi.child.signalCode === null)
      await tsunagi.stop('SIGKILL');
    await sink.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
