// Reading the host's /proc and /sys under root_path (a DaemonSet mounts the
// host's `/` at /hostfs), parsed the way gopsutil — which the collector's
// scrapers use — reads them.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** USER_HZ: /proc times are in ticks of 1/100 s on Linux (gopsutil's ClocksPerSec). */
export const CLK_TCK = 100;

export interface CpuTimes {
  cpu: string;
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface ProcStat {
  /** Per-CPU times in seconds (cpu0, cpu1, ...). */
  cpus: CpuTimes[];
  bootTimeSeconds: number;
  processesCreated: number;
  /** procs_running / procs_blocked: runnable and uninterruptible tasks right now. */
  procsRunning: number;
  procsBlocked: number;
}

export class Procfs {
  constructor(readonly root: string) {}

  path(...parts: string[]): string {
    return join(this.root || '/', ...parts);
  }

  text(...parts: string[]): Promise<string> {
    return readFile(this.path(...parts), 'utf8');
  }

  async stat(): Promise<ProcStat> {
    const out: ProcStat = {
      cpus: [],
      bootTimeSeconds: 0,
      processesCreated: 0,
      procsRunning: 0,
      procsBlocked: 0,
    };
    for (const line of (await this.text('proc', 'stat')).split('\n')) {
      const f = line.trim().split(/\s+/);
      if (/^cpu\d+$/.test(f[0])) {
        const t = f.slice(1).map((x) => Number(x) / CLK_TCK);
        out.cpus.push({
          cpu: f[0],
          user: t[0] ?? 0,
          nice: t[1] ?? 0,
          system: t[2] ?? 0,
          idle: t[3] ?? 0,
          iowait: t[4] ?? 0,
          irq: t[5] ?? 0,
          softirq: t[6] ?? 0,
          steal: t[7] ?? 0,
        });
      } else if (f[0] === 'btime') out.bootTimeSeconds = Number(f[1]);
      else if (f[0] === 'processes') out.processesCreated = Number(f[1]);
      else if (f[0] === 'procs_running') out.procsRunning = Number(f[1]);
      else if (f[0] === 'procs_blocked') out.procsBlocked = Number(f[1]);
    }
    return out;
  }

  /** /proc/meminfo in bytes (kB values × 1024; the HugePages_* counts as they are). */
  async meminfo(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const line of (await this.text('proc', 'meminfo')).split('\n')) {
      const match = /^([^:]+):\s+(\d+)(?:\s+kB)?/.exec(line);
      if (match) m.set(match[1], Number(match[2]) * (line.includes(' kB') ? 1024 : 1));
    }
    return m;
  }

  async loadavg(): Promise<[number, number, number]> {
    const f = (await this.text('proc', 'loadavg')).trim().split(/\s+/);
    return [Number(f[0]), Number(f[1]), Number(f[2])];
  }

  /** /proc/cpuinfo: one map per logical CPU. */
  async cpuinfo(): Promise<Map<string, string>[]> {
    const out: Map<string, string>[] = [];
    let cur: Map<string, string> | undefined;
    for (const line of (await this.text('proc', 'cpuinfo')).split('\n')) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k === 'processor') {
        cur = new Map();
        out.push(cur);
      }
      cur?.set(k, v);
    }
    return out;
  }

  /** Lines of a whitespace-separated table, split into fields. */
  async table(...parts: string[]): Promise<string[][]> {
    return (await this.text(...parts))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => l.split(/\s+/));
  }

  async pids(): Promise<number[]> {
    return (await readdir(this.path('proc')))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  readlink(...parts: string[]): Promise<string> {
    return readlink(this.path(...parts));
  }

  readdir(...parts: string[]): Promise<string[]> {
    return readdir(this.path(...parts));
  }
}

/** Octal escapes in /proc/mounts fields (`\040` is a space). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** The system's page size: RSS in pages (statm) against RSS in kB (status) of this process. */
export async function pageSize(): Promise<number> {
  try {
    const statm = (await readFile('/proc/self/statm', 'utf8')).split(' ');
    const status = await readFile('/proc/self/status', 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    const pages = Number(statm[1]);
    if (kb > 0 && pages > 0) {
      const raw = (kb * 1024) / pages;
      return 2 ** Math.round(Math.log2(raw));
    }
  } catch {
    // fall through
  }
  return 4096;
}
