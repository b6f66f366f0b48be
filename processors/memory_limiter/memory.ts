// Where the memory limit comes from when it is given as a percentage: the
// cgroup limit (v2 memory.max, v1 memory.limit_in_bytes) or, without one, the
// machine's total memory.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { MemoryLimiterConfig } from './config.js';

const MiB = 1024 * 1024;

function readLimit(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === 'max') return undefined;
    const n = Number(text);
    // cgroup v1 reports "no limit" as a huge page-aligned number (~2^63).
    return Number.isFinite(n) && n > 0 && n < 2 ** 62 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The memory available to this process in bytes. */
export function totalMemoryBytes(
  read: (path: string) => number | undefined = readLimit,
  machine: number = totalmem(),
): number {
  const cg = read('/sys/fs/cgroup/memory.max') ?? read('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  return cg !== undefined ? Math.min(cg, machine) : machine;
}

export interface Limits {
  hardBytes: number;
  softBytes: number;
}

/** Hard and soft limits; limit_mib wins over limit_percentage; spike defaults to 20% of the limit. */
export function computeLimits(
  c: MemoryLimiterConfig,
  total: () => number = () => totalMemoryBytes(),
): Limits {
  let hard: number;
  let spike: number;
  if (c.limit_mib > 0) {
    hard = c.limit_mib * MiB;
    spike = c.spike_limit_mib > 0 ? c.spike_limit_mib * MiB : hard / 5;
  } else {
    const t = total();
    hard = (t * c.limit_percentage) / 100;
    spike = c.spike_limit_percentage > 0 ? (t * c.spike_limit_percentage) / 100 : hard / 5;
  }
  return { hardBytes: hard, softBytes: hard - spike };
}
