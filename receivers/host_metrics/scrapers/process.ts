// The process scraper: one resource per process (process.* resource
// attributes), with its CPU time, memory, disk I/O and the optional metrics,
// read from /proc/<pid> the way gopsutil does. A process whose name or
// executable cannot be read is skipped and the error reported, unless muted
// (mute_process_*_error), as in the collector.
import { availableParallelism } from 'node:os';
import { newResource, newResourceMetrics } from '../../../src/pdata/create.js';
import type { KeyValue, ResourceMetrics } from '../../../src/pdata/types.js';
import { filterMatches, type NameFilter } from '../config.js';
import { type MetricDef, SCRAPER_METRICS } from '../metadata.js';
import { CLK_TCK, type Procfs, pageSize } from '../proc/procfs.js';
import { MetricsBuilder, secondsToNs } from './builder.js';
import type { ScrapeContext, Scraper } from './types.js';

export interface ProcessOptions {
  include?: NameFilter;
  exclude?: NameFilter;
  muteAll: boolean;
  muteName: boolean;
  muteExe: boolean;
  muteIo: boolean;
  muteUser: boolean;
  muteCgroup: boolean;
  resourceAttributes: ReadonlySet<string>;
}

interface Stat {
  ppid: number;
  minflt: number;
  majflt: number;
  utime: number;
  stime: number;
  starttimeTicks: number;
  iowait: number;
}

function parseStat(text: string): Stat {
  // fields after "(comm) ", which may contain spaces and parentheses
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]); // f[0] is field 3 (state)
  return {
    ppid: n(4),
    minflt: n(10),
    majflt: n(12),
    utime: n(14) / CLK_TCK,
    stime: n(15) / CLK_TCK,
    starttimeTicks: n(22),
    iowait: (n(42) || 0) / CLK_TCK,
  };
}

function statusField(status: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status);
  return m?.[1].trim();
}

/** uid → user name from an /etc/passwd text. */
function passwdUsers(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3) m.set(f[2], f[0]);
  }
  return m;
}

export class ProcessScraper implements Scraper {
  private prevCpu = new Map<number, { at: number; user: number; system: number; iowait: number }>();

  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly o: ProcessOptions,
  ) {}

  private mute(kind: 'name' | 'exe' | 'io' | 'user' | 'cgroup'): boolean {
    const o = this.o;
    return (
      o.muteAll ||
      (kind === 'name' && o.muteName) ||
      (kind === 'exe' && o.muteExe) ||
      (kind === 'io' && o.muteIo) ||
      (kind === 'user' && o.muteUser) ||
      (kind === 'cgroup' && o.muteCgroup)
    );
  }

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const proc = ctx.proc;
    const errors: string[] = [];
    const out: ResourceMetrics[] = [];
    const users = await this.users(proc);
    const page = await pageSize();
    const memTotal = this.enabled.has('process.memory.utilization')
      ? ((await proc.meminfo()).get('MemTotal') ?? 0)
      : 0;
    const nowMs = Number(ctx.nowNs / 1_000_000n);
    const bootSeconds = Number(ctx.bootNs / 1_000_000n) / 1000;
    const seen = new Set<number>();
    for (const pid of await proc.pids()) {
      const dir = String(pid);
      let status: string;
      let stat: Stat;
      try {
        status = await proc.text('proc', dir, 'status');
        stat = parseStat(await proc.text('proc', dir, 'stat'));
      } catch (err) {
        if (!this.mute('name'))
          errors.push(`error reading process name for pid ${pid}: ${(err as Error).message}`);
        continue;
      }
      const name = statusField(status, 'Name') ?? '';
      let exe = '';
      try {
        exe = await proc.readlink('proc', dir, 'exe');
      } catch (err) {
        if (!this.mute('exe')) {
          errors.push(`error reading process executable for pid ${pid}: ${(err as Error).message}`);
          continue;
        }
      }
      if (this.o.include && !filterMatches(this.o.include, name)) continue;
      if (this.o.exclude && filterMatches(this.o.exclude, name)) continue;
      seen.add(pid);
      let cmdline: string[] = [];
      try {
        cmdline = (await proc.text('proc', dir, 'cmdline'))
          .split('\0')
          .filter((x, i, a) => x !== '' || i < a.length - 1);
      } catch (err) {
        errors.push(`error reading command for process "${name}" (pid ${pid}): ${(err as Error).message}`);
      }
      const uid = statusField(status, 'Uid')?.split(/\s+/)[0] ?? '';
      const owner = users.get(uid);
      if (owner === undefined && !this.mute('user'))
        errors.push(`error reading username for process "${name}" (pid ${pid}): user: unknown userid ${uid}`);
      const startSeconds = bootSeconds + stat.starttimeTicks / CLK_TCK;
      const startNs = secondsToNs(startSeconds);

      const res = newResource();
      const ra = this.o.resourceAttributes;
      const put = (k: string, v: string | number) => {
        if (ra.has(k))
          res.attributes.push({
            key: k,
            value: typeof v === 'number' ? { intValue: BigInt(v) } : { stringValue: v },
          } as KeyValue);
      };
      put('process.pid', pid);
      put('process.parent_pid', stat.ppid);
      put('process.executable.name', name);
      put('process.executable.path', exe);
      put('process.command', cmdline[0] ?? '');
      put('process.command_line', cmdline.join(' '));
      put('process.owner', owner ?? '');
      if (ra.has('process.cgroup')) {
        try {
          put('process.cgroup', (await proc.text('proc', dir, 'cgroup')).trim());
        } catch (err) {
          if (!this.mute('cgroup'))
            errors.push(`error reading cgroup for pid ${pid}: ${(err as Error).message}`);
        }
      }

      const b = new MetricsBuilder(
        SCRAPER_METRICS.process as Record<string, MetricDef>,
        this.enabled,
        ctx.nowNs,
      );
      b.record('process.cpu.time', stat.utime, { state: 'user' }, startNs);
      b.record('process.cpu.time', stat.stime, { state: 'system' }, startNs);
      b.record('process.cpu.time', stat.iowait, { state: 'wait' }, startNs);
      if (b.isEnabled('process.cpu.utilization')) {
        const prev = this.prevCpu.get(pid);
        const cur = { at: nowMs, user: stat.utime, system: stat.stime, iowait: stat.iowait };
        if (prev && cur.at > prev.at) {
          const span = ((cur.at - prev.at) / 1000) * availableParallelism();
          b.record('process.cpu.utilization', (cur.user - prev.user) / span, { state: 'user' });
          b.record('process.cpu.utilization', (cur.system - prev.system) / span, { state: 'system' });
          b.record('process.cpu.utilization', (cur.iowait - prev.iowait) / span, { state: 'wait' });
        }
        this.prevCpu.set(pid, cur);
      }
      if (b.isEnabled('process.memory.usage') || b.isEnabled('process.memory.virtual') || memTotal > 0) {
        try {
          const statm = (await proc.text('proc', dir, 'statm')).split(' ').map(Number);
          const rss = statm[1] * page;
          b.record('process.memory.usage', rss, {}, startNs);
          b.record('process.memory.virtual', statm[0] * page, {}, startNs);
          if (memTotal > 0) b.record('process.memory.utilization', rss / memTotal, {});
        } catch (err) {
          errors.push(
            `error reading memory info for process "${name}" (pid ${pid}): ${(err as Error).message}`,
          );
        }
      }
      if (b.isEnabled('process.disk.io') || b.isEnabled('process.disk.operations')) {
        try {
          const io = new Map(
            (await proc.text('proc', dir, 'io'))
              .split('\n')
              .filter(Boolean)
              .map((l) => l.split(':').map((x) => x.trim()) as [string, string]),
          );
          const v = (k: string) => Number(io.get(k) ?? 0);
          b.record('process.disk.io', v('read_bytes'), { direction: 'read' }, startNs);
          b.record('process.disk.io', v('write_bytes'), { direction: 'write' }, startNs);
          b.record('process.disk.operations', v('syscr'), { direction: 'read' }, startNs);
          b.record('process.disk.operations', v('syscw'), { direction: 'write' }, startNs);
        } catch (err) {
          if (!this.mute('io'))
            errors.push(
              `error reading disk usage for process "${name}" (pid ${pid}): ${(err as Error).message}`,
            );
        }
      }
      b.record('process.paging.faults', stat.majflt, { type: 'major' }, startNs);
      b.record('process.paging.faults', stat.minflt, { type: 'minor' }, startNs);
      b.record(
        'process.signals_pending',
        Number(statusField(status, 'SigQ')?.split('/')[0] ?? 0),
        {},
        startNs,
      );
      b.record('process.threads', Number(statusField(status, 'Threads') ?? 0), {}, startNs);
      if (b.isEnabled('process.open_file_descriptors')) {
        try {
          b.record(
            'process.open_file_descriptors',
            (await proc.readdir('proc', dir, 'fd')).length,
            {},
            startNs,
          );
        } catch (err) {
          errors.push(
            `error reading open file descriptor count for process "${name}" (pid ${pid}): ${(err as Error).message}`,
          );
        }
      }
      b.record(
        'process.context_switches',
        Number(statusField(status, 'nonvoluntary_ctxt_switches') ?? 0),
        { type: 'involuntary' },
        startNs,
      );
      b.record(
        'process.context_switches',
        Number(statusField(status, 'voluntary_ctxt_switches') ?? 0),
        { type: 'voluntary' },
        startNs,
      );
      b.record('process.uptime', nowMs / 1000 - startSeconds, {});

      const rm = newResourceMetrics(res);
      rm.scopeMetrics.push(b.emit('process', ctx.version));
      out.push(rm);
    }
    for (const pid of this.prevCpu.keys()) if (!seen.has(pid)) this.prevCpu.delete(pid);
    if (errors.length)
      ctx.logger.warn(
        { scraper: 'process', errors: errors.length, first: errors.slice(0, 5) },
        'Error scraping metrics of some processes (mute_process_*_error silences these)',
      );
    return out;
  }

  private usersCache: { at: number; users: Map<string, string> } | undefined;

  /** User names from the host's /etc/passwd (under root_path), re-read once a minute. */
  private async users(proc: Procfs): Promise<Map<string, string>> {
    const now = Date.now();
    if (this.usersCache && now - this.usersCache.at < 60_000) return this.usersCache.users;
    let users = new Map<string, string>();
    for (const parts of [['etc', 'passwd']]) {
      try {
        users = passwdUsers(await proc.text(...parts));
      } catch {
        // no passwd under root_path
      }
    }
    this.usersCache = { at: now, users };
    return users;
  }
}
