// The host_metrics receiver's scrapes: (1) a host tree under root_path
// (testdata/hostfs, as a DaemonSet mounts the host's / at /hostfs) with
// known /proc contents, so every value, unit, attribute and start time is
// checked exactly as the collector (gopsutil) derives it; (2) this machine's
// live /proc, read independently by the test before and after the scrape:
// counters must lie between the two readings, levels within a tolerance;
// (3) the receiver's schedule and its answer to a refusing pipeline.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { MetricsData } from '../../src/pdata/types.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { waitFor } from '../../test/support/tsunagi-process.js';
import { factory } from './factory.js';
import type { HostMetricsReceiver } from './receiver.js';

const HOSTFS = fileURLToPath(new URL('./testdata/hostfs', import.meta.url));
const BOOT_NS = 1_700_000_000n * 1_000_000_000n;

interface Row {
  scope: string;
  name: string;
  unit: string;
  kind: 'sum' | 'gauge';
  monotonic?: boolean;
  temporality?: number;
  attrs: Record<string, string>;
  resource: Record<string, string | number>;
  value: number;
  int: boolean;
  start: bigint;
}

function rows(md: MetricsData): Row[] {
  const out: Row[] = [];
  for (const rm of md.resourceMetrics) {
    const resource = Object.fromEntries(
      rm.resource.attributes.map(({ key, value: v }: { key: string; value: any }) => [
        key,
        v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : ''),
      ]),
    );
    for (const sm of rm.scopeMetrics)
      for (const m of sm.metrics) {
        const kind = m.sum ? 'sum' : 'gauge';
        for (const p of (m.sum ?? m.gauge)?.dataPoints ?? [])
          out.push({
            scope: sm.scope.name.slice(sm.scope.name.lastIndexOf('/') + 1),
            name: m.name,
            unit: m.unit,
            kind,
            monotonic: m.sum?.isMonotonic,
            temporality: m.sum?.aggregationTemporality,
            attrs: Object.fromEntries(p.attributes.map((a: any) => [a.key, String(a.value.stringValue)])),
            resource,
            value: p.asInt !== undefined ? Number(p.asInt) : (p.asDouble ?? Number.NaN),
            int: p.asInt !== undefined,
            start: p.startTimeUnixNano,
          });
      }
  }
  return out;
}

const open: HostMetricsReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.shutdown()));
});

function receiver(yaml: string, consumer = new CollectingConsumer<'metrics'>(), metrics = new SelfMetrics()) {
  const cfg = factory.configSchema.parse(parseYaml(yaml));
  const r = factory.create(testSettings('hostmetrics', 'receiver', metrics), cfg, {
    metrics: consumer,
  }) as HostMetricsReceiver;
  open.push(r);
  return { r, consumer, metrics };
}

/** The value of the one row named `name` whose attributes include `attrs`. */
function value(all: Row[], name: string, attrs: Record<string, string> = {}): number {
  const found = all.filter(
    (r) => r.name === name && Object.entries(attrs).every(([k, v]) => r.attrs[k] === v),
  );
  if (found.length !== 1) throw new Error(`${found.length} rows for ${name} ${JSON.stringify(attrs)}`);
  return found[0].value;
}

const ALL_SCRAPERS = `
  cpu:
    metrics:
      system.cpu.utilization: { enabled: true }
  memory:
    metrics:
      system.memory.utilization: { enabled: true }
      system.memory.limit: { enabled: true }
      system.linux.memory.available: { enabled: true }
      system.linux.memory.dirty: { enabled: true }
  load:
  disk:
  filesystem:
    metrics:
      system.filesystem.utilization: { enabled: true }
  network:
  paging:
    metrics:
      system.paging.utilization: { enabled: true }
  processes:
  system:
`;

describe('host_metrics under root_path (a known host tree)', () => {
  it('reads every scraper from root_path, valued, typed and attributed as the collector', async () => {
    const { r } = receiver(`root_path: ${HOSTFS}\nscrapers:${ALL_SCRAPERS}`);
    const t0 = Date.now();
    const all = rows(await r.collect());
    const t1 = Date.now();

    // cpu: ticks of 1/100 s per logical CPU and state; cumulative since boot (btime)
    const cpu = all.filter((x) => x.name === 'system.cpu.time');
    expect(cpu).toHaveLength(16);
    expect(cpu[0]).toMatchObject({
      scope: 'cpuscraper',
      unit: 's',
      kind: 'sum',
      monotonic: true,
      temporality: 2,
      int: false,
      start: BOOT_NS,
    });
    expect(Object.keys(cpu[0].attrs)).toEqual(['cpu', 'state']);
    const cpu0 = (state: string) => value(all, 'system.cpu.time', { cpu: 'cpu0', state });
    expect([
      cpu0('user'),
      cpu0('nice'),
      cpu0('system'),
      cpu0('idle'),
      cpu0('wait'),
      cpu0('interrupt'),
      cpu0('softirq'),
      cpu0('steal'),
    ]).toEqual([1, 0.1, 0.5, 25, 0.25, 0.02, 0.03, 0.01]);
    expect(value(all, 'system.cpu.time', { cpu: 'cpu1', state: 'user' })).toBe(2);
    // utilization needs two scrapes: none on the first
    expect(all.some((x) => x.name === 'system.cpu.utilization')).toBe(false);

    // memory: gopsutil's used = total - free - buffers - (cached + SReclaimable)
    const kb = 1024;
    expect(value(all, 'system.memory.usage', { state: 'used' })).toBe(3_500_000 * kb);
    expect(value(all, 'system.memory.usage', { state: 'free' })).toBe(1_000_000 * kb);
    expect(value(all, 'system.memory.usage', { state: 'buffered' })).toBe(200_000 * kb);
    expect(value(all, 'system.memory.usage', { state: 'cached' })).toBe(3_300_000 * kb);
    expect(value(all, 'system.memory.usage', { state: 'slab_reclaimable' })).toBe(300_000 * kb);
    expect(value(all, 'system.memory.usage', { state: 'slab_unreclaimable' })).toBe(100_000 * kb);
    expect(value(all, 'system.memory.utilization', { state: 'used' })).toBeCloseTo(3.5 / 8, 12);
    expect(value(all, 'system.memory.limit')).toBe(8_000_000 * kb);
    expect(value(all, 'system.linux.memory.available')).toBe(5_000_000 * kb);
    expect(value(all, 'system.linux.memory.dirty')).toBe(1234 * kb);
    expect(all.find((x) => x.name === 'system.memory.usage')).toMatchObject({
      unit: 'By',
      kind: 'sum',
      monotonic: false,
      int: true,
    });

    // load
    expect(value(all, 'system.cpu.load_average.1m')).toBe(0.5);
    expect(value(all, 'system.cpu.load_average.5m')).toBe(0.25);
    expect(value(all, 'system.cpu.load_average.15m')).toBe(0.1);
    expect(all.find((x) => x.name === 'system.cpu.load_average.1m')).toMatchObject({
      unit: '{thread}',
      kind: 'gauge',
    });

    // disk: 512-byte sectors, milliseconds → seconds
    const sda = (name: string, direction?: string) =>
      value(all, name, direction ? { device: 'sda', direction } : { device: 'sda' });
    expect(sda('system.disk.io', 'read')).toBe(2000 * 512);
    expect(sda('system.disk.io', 'write')).toBe(800 * 512);
    expect(sda('system.disk.operations', 'read')).toBe(100);
    expect(sda('system.disk.operations', 'write')).toBe(50);
    expect(sda('system.disk.merged', 'read')).toBe(10);
    expect(sda('system.disk.merged', 'write')).toBe(5);
    expect(sda('system.disk.operation_time', 'read')).toBe(0.3);
    expect(sda('system.disk.operation_time', 'write')).toBe(0.4);
    expect(sda('system.disk.io_time')).toBe(0.7);
    expect(sda('system.disk.weighted_io_time')).toBe(0.9);
    expect(sda('system.disk.pending_operations')).toBe(2);
    expect(value(all, 'system.disk.io', { device: 'loop0', direction: 'read' })).toBe(8 * 512);

    // filesystem: mounts of PID 1 under root_path; virtual filesystems (proc) left out by default;
    // a mount whose statfs fails (/data is not in the tree) is skipped, the others reported
    const fs = all.filter((x) => x.name === 'system.filesystem.usage');
    expect(fs.map((x) => x.attrs)).toEqual(
      ['used', 'free', 'reserved'].map((state) => ({
        device: '/dev/sda1',
        mode: 'rw',
        mountpoint: '/',
        type: 'ext4',
        state,
      })),
    );
    // the filesystem under the tree is this machine's: others write to it meanwhile (1% of its size)
    const s = statfsOf(HOSTFS);
    const size = s.blocks * s.blockSize;
    expect(
      Math.abs(value(all, 'system.filesystem.usage', { state: 'free' }) - s.available * s.blockSize),
    ).toBeLessThan(size * 0.01);
    expect(fs.reduce((a, x) => a + x.value, 0)).toBe(size);
    const inodesUsed = value(all, 'system.filesystem.inodes.usage', { state: 'used' });
    expect(inodesUsed).toBeGreaterThan(0);
    expect(inodesUsed + value(all, 'system.filesystem.inodes.usage', { state: 'free' })).toBe(s.inodes);

    // network: per interface and direction; TCP connections by state (every known state reported)
    expect(value(all, 'system.network.io', { device: 'eth0', direction: 'receive' })).toBe(1000);
    expect(value(all, 'system.network.io', { device: 'eth0', direction: 'transmit' })).toBe(2000);
    expect(value(all, 'system.network.packets', { device: 'eth0', direction: 'receive' })).toBe(10);
    expect(value(all, 'system.network.packets', { device: 'eth0', direction: 'transmit' })).toBe(20);
    expect(value(all, 'system.network.errors', { device: 'eth0', direction: 'receive' })).toBe(1);
    expect(value(all, 'system.network.errors', { device: 'eth0', direction: 'transmit' })).toBe(3);
    expect(value(all, 'system.network.dropped', { device: 'eth0', direction: 'receive' })).toBe(2);
    expect(value(all, 'system.network.dropped', { device: 'eth0', direction: 'transmit' })).toBe(4);
    expect(value(all, 'system.network.connections', { protocol: 'tcp', state: 'ESTABLISHED' })).toBe(2);
    expect(value(all, 'system.network.connections', { protocol: 'tcp', state: 'LISTEN' })).toBe(1);
    expect(value(all, 'system.network.connections', { protocol: 'tcp', state: 'TIME_WAIT' })).toBe(0);

    // paging: swap in KiB; gopsutil reports the vmstat page counts × 4 KiB
    expect(value(all, 'system.paging.usage', { device: '/swap file', state: 'used' })).toBe(250 * 1024);
    expect(value(all, 'system.paging.usage', { device: '/swap file', state: 'free' })).toBe(750 * 1024);
    expect(value(all, 'system.paging.utilization', { state: 'used' })).toBe(0.25);
    const page = 4096;
    expect(value(all, 'system.paging.operations', { direction: 'page_in', type: 'major' })).toBe(1 * page);
    expect(value(all, 'system.paging.operations', { direction: 'page_out', type: 'major' })).toBe(2 * page);
    expect(value(all, 'system.paging.operations', { direction: 'page_in', type: 'minor' })).toBe(10 * page);
    expect(value(all, 'system.paging.operations', { direction: 'page_out', type: 'minor' })).toBe(20 * page);
    expect(value(all, 'system.paging.faults', { type: 'major' })).toBe(7 * page);
    expect(value(all, 'system.paging.faults', { type: 'minor' })).toBe(93 * page);

    // processes: by status letter of /proc/<pid>/stat (a name with parentheses and spaces
    // included), then as the collector: running and blocked from /proc/stat (procs_running 2,
    // procs_blocked 0), and what /proc/loadavg's 100 tasks leave unaccounted is unknown
    expect(value(all, 'system.processes.count', { status: 'sleeping' })).toBe(1);
    expect(value(all, 'system.processes.count', { status: 'zombies' })).toBe(1);
    expect(value(all, 'system.processes.count', { status: 'running' })).toBe(2);
    expect(value(all, 'system.processes.count', { status: 'blocked' })).toBe(0);
    expect(value(all, 'system.processes.count', { status: 'unknown' })).toBe(96);
    expect(value(all, 'system.processes.created')).toBe(4321);

    // system: whole seconds since btime, a gauge
    between(
      value(all, 'system.uptime'),
      Math.floor(t0 / 1000) - 1_700_000_000,
      Math.floor(t1 / 1000) - 1_700_000_000,
    );
    expect(all.find((x) => x.name === 'system.uptime')).toMatchObject({
      unit: 's',
      kind: 'gauge',
      int: false,
    });

    // every cumulative sum starts at boot; the scopes are the collector's
    for (const x of all.filter((y) => y.kind === 'sum')) expect(x.start, x.name).toBe(BOOT_NS);
    expect(new Set(all.map((x) => x.scope))).toEqual(
      new Set(
        ['cpu', 'memory', 'load', 'disk', 'filesystem', 'network', 'paging', 'processes', 'system'].map(
          (n) => `${n}scraper`,
        ),
      ),
    );
  });

  it('include/exclude filters, and a disabled metric is not emitted', async () => {
    const { r } = receiver(`
root_path: ${HOSTFS}
scrapers:
  disk: { include: { devices: ['^sd'], match_type: regexp } }
  network:
    exclude: { interfaces: [lo], match_type: strict }
    metrics: { system.network.connections: { enabled: false } }
  filesystem: { include_virtual_filesystems: true, exclude_mount_points: { mount_points: [/data], match_type: strict } }
`);
    const all = rows(await r.collect());
    expect(new Set(all.filter((x) => x.scope === 'diskscraper').map((x) => x.attrs.device))).toEqual(
      new Set(['sda']),
    );
    expect(new Set(all.filter((x) => x.scope === 'networkscraper').map((x) => x.attrs.device))).toEqual(
      new Set(['eth0']),
    );
    expect(all.some((x) => x.name === 'system.network.connections')).toBe(false);
    // with virtual filesystems, /proc (statfs of <root>/proc) is reported too
    expect(
      new Set(all.filter((x) => x.scope === 'filesystemscraper').map((x) => x.attrs.mountpoint)),
    ).toEqual(new Set(['/', '/proc']));
  });

  it('fails to start when root_path holds no /proc', async () => {
    const { r } = receiver(`root_path: ${HOSTFS}/proc\nscrapers: { cpu: }`);
    await expect(r.start()).rejects.toThrow(/stat/);
  });
});

// ---- the live host, read independently ----

function procStatCpu(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const f = line.split(/\s+/);
    if (/^cpu\d+$/.test(f[0])) m.set(f[0], f.slice(1, 9).map(Number));
  }
  return m;
}
function meminfoKb(): Record<string, number> {
  return Object.fromEntries(
    readFileSync('/proc/meminfo', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [k, v] = l.split(':');
        return [k, Number.parseInt(v, 10)];
      }),
  );
}
function netDev(): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const l of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [dev, rest] = l.split(':');
    if (rest) m.set(dev.trim(), rest.trim().split(/\s+/).map(Number));
  }
  return m;
}
function vmstat(): Record<string, number> {
  return Object.fromEntries(
    readFileSync('/proc/vmstat', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [k, v] = l.split(' ');
        return [k, Number(v)];
      }),
  );
}
/** statfs through coreutils' `stat -f` (another program's reading). */
function statfsOf(path: string) {
  const [blocks, free, available, blockSize, inodes] = execFileSync(
    'stat',
    ['-f', '-c', '%b %f %a %S %c', path],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split(' ')
    .map(Number);
  return { blocks, free, available, blockSize, inodes };
}

/** `x` lies between two readings taken before and after the scrape (counters only grow). */
const between = (x: number, before: number, after: number, slack = 0) => {
  expect(x).toBeGreaterThanOrEqual(before - slack);
  expect(x).toBeLessThanOrEqual(after + slack);
};

describe.runIf(process.platform === 'linux')(
  'host_metrics on this host (against /proc read by the test)',
  () => {
    it('system scrapers agree with /proc, statfs and the counters around the scrape', async () => {
      const { r } = receiver(`scrapers:${ALL_SCRAPERS}`);
      const cpuBefore = procStatCpu();
      const netBefore = netDev();
      const vmBefore = vmstat();
      const createdBefore = Number(/processes (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      const all = rows(await r.collect());
      const cpuAfter = procStatCpu();
      const netAfter = netDev();
      const vmAfter = vmstat();
      const createdAfter = Number(/processes (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      const mem = meminfoKb();

      // cpu: one series per logical CPU and state; user/system/idle between the readings
      expect(new Set(all.filter((x) => x.name === 'system.cpu.time').map((x) => x.attrs.cpu))).toEqual(
        new Set(cpuBefore.keys()),
      );
      for (const [cpu, before] of cpuBefore) {
        const after = cpuAfter.get(cpu) as number[];
        between(value(all, 'system.cpu.time', { cpu, state: 'user' }), before[0] / 100, after[0] / 100);
        between(value(all, 'system.cpu.time', { cpu, state: 'system' }), before[2] / 100, after[2] / 100);
        between(value(all, 'system.cpu.time', { cpu, state: 'idle' }), before[3] / 100, after[3] / 100);
      }
      const btime = Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      expect(all.find((x) => x.name === 'system.cpu.time')?.start).toBe(BigInt(btime) * 1_000_000_000n);

      // memory: levels within 5% of MemTotal of the test's reading just after
      const total = mem.MemTotal * 1024;
      const near = (x: number, kb: number) => expect(Math.abs(x - kb * 1024)).toBeLessThan(total * 0.05);
      near(value(all, 'system.memory.usage', { state: 'free' }), mem.MemFree);
      near(value(all, 'system.memory.usage', { state: 'buffered' }), mem.Buffers);
      near(value(all, 'system.memory.usage', { state: 'cached' }), mem.Cached + mem.SReclaimable);
      near(value(all, 'system.memory.usage', { state: 'slab_unreclaimable' }), mem.SUnreclaim);
      expect(value(all, 'system.memory.limit')).toBe(total);
      const states = ['used', 'free', 'buffered', 'cached'].map((state) =>
        value(all, 'system.memory.usage', { state }),
      );
      expect(states.reduce((a, b) => a + b)).toBe(total);

      // load: the kernel's averages move slowly
      const [l1] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
      expect(Math.abs(value(all, 'system.cpu.load_average.1m') - l1)).toBeLessThan(Math.max(1, l1 * 0.25));

      // network: loopback counters between the readings
      const lo = (name: string, direction: string) => value(all, name, { device: 'lo', direction });
      between(
        lo('system.network.io', 'receive'),
        netBefore.get('lo')?.[0] ?? 0,
        netAfter.get('lo')?.[0] ?? 0,
      );
      between(
        lo('system.network.io', 'transmit'),
        netBefore.get('lo')?.[8] ?? 0,
        netAfter.get('lo')?.[8] ?? 0,
      );
      between(
        lo('system.network.packets', 'receive'),
        netBefore.get('lo')?.[1] ?? 0,
        netAfter.get('lo')?.[1] ?? 0,
      );

      // filesystem: the root mount against `stat -f /` (files come and go: 1% of the size)
      const rootRows = all.filter((x) => x.name === 'system.filesystem.usage' && x.attrs.mountpoint === '/');
      if (rootRows.length > 0) {
        const s = statfsOf('/');
        const size = s.blocks * s.blockSize;
        const used = rootRows.find((x) => x.attrs.state === 'used')?.value ?? Number.NaN;
        expect(Math.abs(used - (s.blocks - s.free) * s.blockSize)).toBeLessThan(size * 0.01);
        expect(rootRows.map((x) => x.value).reduce((a, b) => a + b)).toBe(size);
      } else console.warn('host_metrics test: / is not a device-backed filesystem here; root check skipped');

      // paging faults: vmstat × 4 KiB (gopsutil), between the readings
      between(
        value(all, 'system.paging.faults', { type: 'major' }),
        vmBefore.pgmajfault * 4096,
        vmAfter.pgmajfault * 4096,
      );

      // processes: created between the readings; the counts add up to the kernel's task total
      // (/proc/loadavg's x/TOTAL, threads included), or to more when the walk saw more
      between(value(all, 'system.processes.created'), createdBefore, createdAfter);
      const counted = all.filter((x) => x.name === 'system.processes.count').reduce((a, x) => a + x.value, 0);
      const tasks = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3].split('/')[1]);
      const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
      expect(counted).toBeGreaterThanOrEqual(pids * 0.9);
      expect(Math.abs(counted - Math.max(tasks, pids)) / Math.max(tasks, pids)).toBeLessThan(0.1);

      // utilization on the second scrape: per CPU, the states sum to 1
      const again = rows(await r.collect());
      const u = again.filter((x) => x.name === 'system.cpu.utilization' && x.attrs.cpu === 'cpu0');
      expect(u).toHaveLength(8);
      const sum = u.reduce((a, x) => a + x.value, 0);
      if (sum > 0) expect(sum).toBeCloseTo(1, 6); // 0 when no tick passed between the scrapes
    });

    it('process: this test process, its CPU time and memory as Node reports them', async () => {
      const me = readFileSync('/proc/self/status', 'utf8').match(/^Name:\s*(.*)$/m)?.[1] ?? '';
      const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const { r } = receiver(`
scrapers:
  process:
    include: { names: ['^${escaped}$'], match_type: regexp }
    mute_process_all_errors: true
    metrics:
      process.threads: { enabled: true }
      process.open_file_descriptors: { enabled: true }
      process.uptime: { enabled: true }
`);
      // burn some CPU so user time is not zero
      const until = Date.now() + 50;
      while (Date.now() < until) Math.sqrt(Math.random());
      const before = process.cpuUsage();
      const rssBefore = process.memoryUsage.rss();
      const collectFrom = Date.now() / 1000;
      const all = rows(await r.collect());
      const collectTo = Date.now() / 1000;
      const after = process.cpuUsage();
      const rssAfter = process.memoryUsage.rss();
      const mine = all.filter((x) => x.resource['process.pid'] === process.pid);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine[0].resource).toMatchObject({
        'process.pid': process.pid,
        'process.parent_pid': process.ppid,
        'process.executable.name': me,
        'process.executable.path': realpathSync(process.execPath),
      });
      const tick = 0.01;
      const v = (name: string, attrs: Record<string, string> = {}) => value(mine, name, attrs);
      between(v('process.cpu.time', { state: 'user' }), before.user / 1e6 - tick, after.user / 1e6 + tick);
      between(
        v('process.cpu.time', { state: 'system' }),
        before.system / 1e6 - tick,
        after.system / 1e6 + tick,
      );
      expect(Math.abs(v('process.memory.usage') - (rssBefore + rssAfter) / 2)).toBeLessThan(rssAfter * 0.1);
      expect(v('process.memory.virtual')).toBeGreaterThan(v('process.memory.usage'));
      expect(v('process.threads')).toBe(
        Number(/^Threads:\s*(\d+)/m.exec(readFileSync(`/proc/${process.pid}/status`, 'utf8'))?.[1]),
      );
      expect(v('process.open_file_descriptors')).toBeGreaterThan(2);
      // the process's start as /proc gives it (boot time in whole seconds + start ticks, as gopsutil
      // reads it): Node's own process.uptime() starts later, after the runtime booted (seconds under load)
      const btime = Number(/^btime (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      const statTail = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const startedAt = btime + Number(statTail[22 - 3]) / 100; // field 22 (starttime), USER_HZ 100
      // the scrape's own "now" lies within the collect, which reads all of /proc (seconds on a loaded host)
      between(v('process.uptime'), collectFrom - startedAt - 0.05, collectTo - startedAt + 0.05);
      // process sums start when the process started
      const startNs = mine.find((x) => x.name === 'process.cpu.time')?.start ?? 0n;
      expect(Math.abs(Number(startNs / 1_000_000n) - (Date.now() - process.uptime() * 1000))).toBeLessThan(
        2000,
      );
      // only processes with this name
      expect(new Set(all.map((x) => x.resource['process.executable.name']))).toEqual(new Set([me]));
    });
  },
);

describe('host_metrics schedule and pipeline', () => {
  it('collects every collection_interval after initial_delay; a refusing pipeline is counted, the next collection still happens', async () => {
    const consumer = new CollectingConsumer<'metrics'>();
    const { r, metrics } = receiver(
      `root_path: ${HOSTFS}\ncollection_interval: 100ms\ninitial_delay: 0s\nscrapers: { load: }`,
      consumer,
    );
    await r.start();
    await waitFor(() => consumer.received.length >= 2, 'two collections');
    expect(rows(consumer.received[0]).map((x) => x.name)).toEqual([
      'system.cpu.load_average.15m',
      'system.cpu.load_average.1m',
      'system.cpu.load_average.5m',
    ]);
    consumer.failWith = new Error('full');
    const done = r.collections;
    await waitFor(() => r.collections >= done + 2, 'collections while the pipeline refuses');
    consumer.failWith = undefined;
    const got = consumer.received.length;
    await waitFor(() => consumer.received.length > got, 'a collection after the pipeline accepts again');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /otelcol_receiver_refused_metric_points(_total)?\{[^}]*receiver="hostmetrics"[^}]*\} [1-9]/,
    );
    await r.shutdown();
    const after = r.collections;
    await new Promise((res) => setTimeout(res, 250));
    expect(r.collections).toBe(after);
  });
});
