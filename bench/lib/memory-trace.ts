// What a Tsunagi process's resident memory consists of, sampled while a bench runs:
// load it into the measured process with
//   TSUNAGI_BENCH_NODE_ARGS="--import /path/to/dist/bench/lib/memory-trace.js" TSUNAGI_MEMORY_TRACE=/tmp/x.jsonl
// Every 100 ms (TSUNAGI_MEMORY_TRACE_MS) it appends one JSON line: the RSS split by
// /proc/self/smaps_rollup (anonymous vs file-backed), V8's heap spaces (committed and
// physical size per space: new space, old, code, large objects), external memory and
// ArrayBuffers. Summarize with bench/memory-summary.ts. Not part of the binary.
import { appendFileSync, readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const file = process.env.TSUNAGI_MEMORY_TRACE;
const MiB = 1048576;
const r = (n: number) => Math.round((n / MiB) * 10) / 10;

function rollup(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Math.round((Number(m[2]) / 1024) * 10) / 10;
    }
  } catch {
    // not Linux
  }
  return out;
}

function sample(): void {
  const u = process.memoryUsage();
  const h = getHeapStatistics();
  const spaces: Record<string, number[]> = {};
  for (const s of getHeapSpaceStatistics())
    spaces[s.space_name.replace(/_space$/, '')] = [
      r(s.space_size),
      r(s.physical_space_size),
      r(s.space_used_size),
    ];
  const sm = rollup();
  const line = {
    t: Math.round(performance.now()),
    rss: r(u.rss),
    anon: sm.Anonymous,
    file:
      sm.Rss !== undefined && sm.Anonymous !== undefined
        ? Math.round((sm.Rss - sm.Anonymous) * 10) / 10
        : undefined,
    heapTotal: r(u.heapTotal),
    heapPhys: r(h.total_physical_size),
    heapUsed: r(u.heapUsed),
    external: r(u.external),
    arrayBuffers: r(u.arrayBuffers),
    malloced: r(h.malloced_memory),
    peakMalloced: r(h.peak_malloced_memory),
    spaces, // [committed, physical, used] MiB
  };
  appendFileSync(file!, `${JSON.stringify(line)}\n`);
}

if (file) setInterval(sample, Number(process.env.TSUNAGI_MEMORY_TRACE_MS ?? 100)).unref();
