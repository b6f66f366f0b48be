// The system-wide scrapers: cpu, memory, load, disk, filesystem, network,
// paging, processes. Values as gopsutil reads them from /proc (what the
// collector reports), attribute names and order as its metadata.yaml.
import { statfs } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { newResourceMetrics } from '../../../src/pdata/create.js';
import type { ResourceMetrics } from '../../../src/pdata/types.js';
import { filterMatches, type NameFilter } from '../config.js';
import { type MetricDef, SCRAPER_METRICS, type ScraperName } from '../metadata.js';
import { type CpuTimes, pageSize, unescapeMountField } from '../proc/procfs.js';
import { MetricsBuilder } from './builder.js';
import type { ScrapeContext, Scraper } from './types.js';

function builder(name: ScraperName, enabled: ReadonlySet<string>, ctx: ScrapeContext) {
  return new MetricsBuilder(SCRAPER_METRICS[name] as Record<string, MetricDef>, enabled, ctx.nowNs);
}

function one(name: ScraperName, b: MetricsBuilder, ctx: ScrapeContext): ResourceMetrics[] {
  const rm = newResourceMetrics();
  rm.scopeMetrics.push(b.emit(name, ctx.version));
  return rm.scopeMetrics[0].metrics.length ? [rm] : [];
}

const included = (name: string, include?: NameFilter, exclude?: NameFilter) =>
  (!include || filterMatches(include, name)) && (!exclude || !filterMatches(exclude, name));

const cpuTotal = (t: CpuTimes) =>
  t.user + t.system + t.idle + t.nice + t.iowait + t.irq + t.softirq + t.steal;

const CPU_STATES: [keyof CpuTimes, string][] = [
  ['user', 'user'],
  ['system', 'system'],
  ['idle', 'idle'],
  ['irq', 'interrupt'],
  ['nice', 'nice'],
  ['softirq', 'softirq'],
  ['steal', 'steal'],
  ['iowait', 'wait'],
];

export class CpuScraper implements Scraper {
  private prev: Map<string, CpuTimes> | undefined;
  constructor(private readonly enabled: ReadonlySet<string>) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('cpu', this.enabled, ctx);
    const stat = await ctx.proc.stat();
    for (const t of stat.cpus)
      for (const [field, state] of CPU_STATES)
        b.record('system.cpu.time', t[field] as number, { cpu: t.cpu, state }, ctx.bootNs);
    if (b.isEnabled('system.cpu.utilization')) {
      if (this.prev)
        for (const t of stat.cpus) {
          const p = this.prev.get(t.cpu);
          if (!p) continue;
          const elapsed = cpuTotal(t) - cpuTotal(p);
          for (const [field, state] of CPU_STATES)
            b.record(
              'system.cpu.utilization',
              elapsed > 0 ? ((t[field] as number) - (p[field] as number)) / elapsed : 0,
              { cpu: t.cpu, state },
            );
        }
      this.prev = new Map(stat.cpus.map((t) => [t.cpu, t]));
    }
    if (
      b.isEnabled('system.cpu.logical.count') ||
      b.isEnabled('system.cpu.physical.count') ||
      b.isEnabled('system.cpu.frequency')
    ) {
      const info = await ctx.proc.cpuinfo();
      b.record('system.cpu.logical.count', info.length, {}, ctx.bootNs);
      const cores = new Set(info.map((c) => `${c.get('physical id') ?? ''}/${c.get('core id') ?? ''}`));
      b.record('system.cpu.physical.count', cores.size, {}, ctx.bootNs);
      for (const c of info) {
        const mhz = Number(c.get('cpu MHz'));
        if (Number.isFinite(mhz))
          b.record('system.cpu.frequency', mhz * 1e6, { cpu: `cpu${c.get('processor')}` });
      }
    }
    return one('cpu', b, ctx);
  }
}

export class MemoryScraper implements Scraper {
  constructor(private readonly enabled: ReadonlySet<string>) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('memory', this.enabled, ctx);
    const m = await ctx.proc.meminfo();
    const total = m.get('MemTotal') ?? 0;
    const free = m.get('MemFree') ?? 0;
    const buffers = m.get('Buffers') ?? 0;
    const sreclaimable = m.get('SReclaimable') ?? 0;
    // gopsutil counts reclaimable slab as cache, and used is what is left
    const cached = (m.get('Cached') ?? 0) + sreclaimable;
    const used = total - free - buffers - cached;
    const states: [string, number][] = [
      ['used', used],
      ['free', free],
      ['buffered', buffers],
      ['cached', cached],
      ['slab_reclaimable', sreclaimable],
      ['slab_unreclaimable', m.get('SUnreclaim') ?? 0],
    ];
    for (const [state, v] of states) {
      b.record('system.memory.usage', v, { state }, ctx.bootNs);
      if (total > 0) b.record('system.memory.utilization', v / total, { state });
    }
    b.record('system.memory.limit', total, {}, ctx.bootNs);
    b.record('system.linux.memory.available', m.get('MemAvailable') ?? 0, {}, ctx.bootNs);
    b.record('system.linux.memory.dirty', m.get('Dirty') ?? 0, {}, ctx.bootNs);
    if (b.isEnabled('system.memory.page_size')) b.record('system.memory.page_size', await pageSize(), {});
    return one('memory', b, ctx);
  }
}

export class LoadScraper implements Scraper {
  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly cpuAverage: boolean,
  ) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('load', this.enabled, ctx);
    const avg = await ctx.proc.loadavg();
    // cpu_average divides by the number of CPUs the receiver may run on (Go's runtime.NumCPU)
    const div = this.cpuAverage ? availableParallelism() : 1;
    b.record('system.cpu.load_average.1m', avg[0] / div, {});
    b.record('system.cpu.load_average.5m', avg[1] / div, {});
    b.record('system.cpu.load_average.15m', avg[2] / div, {});
    return one('load', b, ctx);
  }
}

/** gopsutil's sector size for /proc/diskstats. */
const SECTOR = 512;

export class DiskScraper implements Scraper {
  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly include?: NameFilter,
    private readonly exclude?: NameFilter,
  ) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('disk', this.enabled, ctx);
    const s = ctx.bootNs;
    for (const f of await ctx.proc.table('proc', 'diskstats')) {
      if (f.length < 14) continue;
      const device = f[2];
      if (!included(device, this.include, this.exclude)) continue;
      const n = (i: number) => Number(f[i]);
      b.record('system.disk.io', n(5) * SECTOR, { device, direction: 'read' }, s);
      b.record('system.disk.io', n(9) * SECTOR, { device, direction: 'write' }, s);
      b.record('system.disk.operations', n(3), { device, direction: 'read' }, s);
      b.record('system.disk.operations', n(7), { device, direction: 'write' }, s);
      b.record('system.disk.io_time', n(12) / 1e3, { device }, s);
      b.record('system.disk.operation_time', n(6) / 1e3, { device, direction: 'read' }, s);
      b.record('system.disk.operation_time', n(10) / 1e3, { device, direction: 'write' }, s);
      b.record('system.disk.weighted_io_time', n(13) / 1e3, { device }, s);
      b.record('system.disk.pending_operations', n(11), { device }, s);
      b.record('system.disk.merged', n(4), { device, direction: 'read' }, s);
      b.record('system.disk.merged', n(8), { device, direction: 'write' }, s);
    }
    return one('disk', b, ctx);
  }
}

export interface FilesystemOptions {
  includeDevices?: NameFilter;
  excludeDevices?: NameFilter;
  includeFsTypes?: NameFilter;
  excludeFsTypes?: NameFilter;
  includeMountPoints?: NameFilter;
  excludeMountPoints?: NameFilter;
  includeVirtual: boolean;
}

export class FilesystemScraper implements Scraper {
  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly o: FilesystemOptions,
  ) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('filesystem', this.enabled, ctx);
    const mounts = await ctx.proc.table('proc', '1', 'mounts');
    // without include_virtual_filesystems: only filesystem types backed by a device (not "nodev" in /proc/filesystems)
    let physical: Set<string> | undefined;
    if (!this.o.includeVirtual)
      physical = new Set(
        (await ctx.proc.text('proc', 'filesystems'))
          .split('\n')
          .filter((l) => l.trim() && !l.startsWith('nodev'))
          .map((l) => l.trim()),
      );
    const errors: string[] = [];
    for (const f of mounts) {
      const [device, mountpoint, type, opts] = [f[0], unescapeMountField(f[1] ?? ''), f[2], f[3] ?? ''];
      if (physical && (device === 'none' || !physical.has(type))) continue;
      const o = this.o;
      if (
        !included(device, o.includeDevices, o.excludeDevices) ||
        !included(type, o.includeFsTypes, o.excludeFsTypes) ||
        !included(mountpoint, o.includeMountPoints, o.excludeMountPoints)
      )
        continue;
      let st: Awaited<ReturnType<typeof statfs>>;
      try {
        st = await statfs(ctx.proc.path(mountpoint));
      } catch (err) {
        errors.push(`${mountpoint}: ${(err as Error).message}`);
        continue;
      }
      const options = opts.split(',');
      const mode = options.includes('rw') ? 'rw' : options.includes('ro') ? 'ro' : 'unknown';
      const total = st.blocks * st.bsize;
      const free = st.bavail * st.bsize;
      const used = (st.blocks - st.bfree) * st.bsize;
      const attrs = { device, mode, mountpoint, type };
      b.record('system.filesystem.usage', used, { ...attrs, state: 'used' }, ctx.bootNs);
      b.record('system.filesystem.usage', free, { ...attrs, state: 'free' }, ctx.bootNs);
      b.record('system.filesystem.usage', total - used - free, { ...attrs, state: 'reserved' }, ctx.bootNs);
      b.record(
        'system.filesystem.inodes.usage',
        st.files - st.ffree,
        { ...attrs, state: 'used' },
        ctx.bootNs,
      );
      b.record('system.filesystem.inodes.usage', st.ffree, { ...attrs, state: 'free' }, ctx.bootNs);
      b.record('system.filesystem.utilization', used + free > 0 ? used / (used + free) : 0, attrs);
    }
    if (errors.length)
      ctx.logger.warn({ scraper: 'filesystem', errors }, 'failed to read usage of some filesystems');
    return one('filesystem', b, ctx);
  }
}

/** The TCP states the collector always reports (its allTCPStates), besides what gopsutil names. */
const ALL_TCP_STATES = [
  'CLOSE_WAIT',
  'CLOSE',
  'CLOSING',
  'DELETE',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'LAST_ACK',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'TIME_WAIT',
];
/** gopsutil's names for the hex states of /proc/net/tcp. */
const TCP_STATE: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

export class NetworkScraper implements Scraper {
  constructor(
    private readonly enabled: ReadonlySet<string>,
    private readonly include?: NameFilter,
    private readonly exclude?: NameFilter,
  ) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('network', this.enabled, ctx);
    const s = ctx.bootNs;
    const lines = (await ctx.proc.text('proc', 'net', 'dev')).split('\n').slice(2);
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const device = line.slice(0, colon).trim();
      if (!included(device, this.include, this.exclude)) continue;
      const n = line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .map(Number);
      const rec = (metric: string, tx: number, rx: number) => {
        b.record(metric, tx, { device, direction: 'transmit' }, s);
        b.record(metric, rx, { device, direction: 'receive' }, s);
      };
      rec('system.network.packets', n[9], n[1]);
      rec('system.network.dropped', n[11], n[3]);
      rec('system.network.errors', n[10], n[2]);
      rec('system.network.io', n[8], n[0]);
    }
    if (b.isEnabled('system.network.connections')) {
      const counts = new Map<string, number>(ALL_TCP_STATES.map((x) => [x, 0]));
      for (const file of ['tcp', 'tcp6']) {
        let rows: string[][] = [];
        try {
          rows = (await ctx.proc.table('proc', 'net', file)).slice(1);
        } catch {
          continue; // no IPv6
        }
        for (const r of rows) {
          const st = TCP_STATE[r[3]] ?? r[3];
          counts.set(st, (counts.get(st) ?? 0) + 1);
        }
      }
      for (const [state, c] of counts)
        b.record('system.network.connections', c, { protocol: 'tcp', state }, s);
    }
    for (const [metric, file] of [
      ['system.network.conntrack.count', 'nf_conntrack_count'],
      ['system.network.conntrack.max', 'nf_conntrack_max'],
    ] as const)
      if (b.isEnabled(metric)) {
        try {
          b.record(
            metric,
            Number((await ctx.proc.text('proc', 'sys', 'net', 'netfilter', file)).trim()),
            {},
            s,
          );
        } catch (err) {
          ctx.logger.warn(
            { scraper: 'network', error: (err as Error).message },
            'conntrack counters unavailable',
          );
        }
      }
    return one('network', b, ctx);
  }
}

export class PagingScraper implements Scraper {
  constructor(private readonly enabled: ReadonlySet<string>) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('paging', this.enabled, ctx);
    const s = ctx.bootNs;
    for (const r of (await ctx.proc.table('proc', 'swaps')).slice(1)) {
      const device = unescapeMountField(r[0]);
      const size = Number(r[2]) * 1024;
      const used = Number(r[3]) * 1024;
      b.record('system.paging.usage', used, { device, state: 'used' }, s);
      b.record('system.paging.usage', size - used, { device, state: 'free' }, s);
      if (size > 0) {
        b.record('system.paging.utilization', used / size, { device, state: 'used' });
        b.record('system.paging.utilization', (size - used) / size, { device, state: 'free' });
      }
    }
    // gopsutil's SwapMemory reports these /proc/vmstat page counts multiplied by 4 KiB
    const vm = new Map((await ctx.proc.table('proc', 'vmstat')).map((r) => [r[0], Number(r[1]) * 4 * 1024]));
    const v = (k: string) => vm.get(k) ?? 0;
    b.record('system.paging.operations', v('pswpin'), { direction: 'page_in', type: 'major' }, s);
    b.record('system.paging.operations', v('pswpout'), { direction: 'page_out', type: 'major' }, s);
    b.record('system.paging.operations', v('pgpgin'), { direction: 'page_in', type: 'minor' }, s);
    b.record('system.paging.operations', v('pgpgout'), { direction: 'page_out', type: 'minor' }, s);
    b.record('system.paging.faults', v('pgmajfault'), { type: 'major' }, s);
    b.record('system.paging.faults', v('pgfault') - v('pgmajfault'), { type: 'minor' }, s);
    return one('paging', b, ctx);
  }
}

/** gopsutil's status letters, and the collector's names for them. */
const PROCESS_STATUS: Record<string, string> = {
  A: 'daemon',
  D: 'blocked',
  U: 'blocked',
  E: 'detached',
  I: 'idle',
  L: 'locked',
  O: 'orphan',
  R: 'running',
  S: 'sleeping',
  T: 'stopped',
  t: 'stopped',
  W: 'paging',
  Y: 'system',
  Z: 'zombies',
};

export class ProcessesScraper implements Scraper {
  constructor(private readonly enabled: ReadonlySet<string>) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('processes', this.enabled, ctx);
    const stat = await ctx.proc.stat();
    if (b.isEnabled('system.processes.count')) {
      const counts = new Map<string, number>();
      for (const pid of await ctx.proc.pids()) {
        let text: string;
        try {
          text = await ctx.proc.text('proc', String(pid), 'stat');
        } catch {
          continue; // exited meanwhile
        }
        const letter = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
        const status = PROCESS_STATUS[letter] ?? 'unknown';
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      // As the collector does (processes_scraper_unix.go): running and blocked come from
      // /proc/stat (one read, so more accurate than the walk), and the tasks of /proc/loadavg's
      // total that no status accounts for are `unknown` (replacing the walk's unknown count).
      counts.set('blocked', stat.procsBlocked);
      counts.set('running', stat.procsRunning);
      let known = 0;
      for (const c of counts.values()) known += c;
      const total = Number((await ctx.proc.text('proc', 'loadavg')).split(/\s+/)[3]?.split('/')[1] ?? 0);
      if (total > known) counts.set('unknown', total - known);
      for (const [status, c] of counts) b.record('system.processes.count', c, { status }, ctx.bootNs);
    }
    b.record('system.processes.created', stat.processesCreated, {}, ctx.bootNs);
    return one('processes', b, ctx);
  }
}

/** system.uptime: whole seconds since boot (gopsutil's Uptime: now − btime), a gauge. */
export class SystemScraper implements Scraper {
  constructor(private readonly enabled: ReadonlySet<string>) {}

  async scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]> {
    const b = builder('system', this.enabled, ctx);
    const boot = (await ctx.proc.stat()).bootTimeSeconds;
    b.record('system.uptime', Math.floor(Number(ctx.nowNs / 1_000_000_000n) - boot), {});
    return one('system', b, ctx);
  }
}
