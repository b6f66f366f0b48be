// Summarizes a TSUNAGI_ANSWER_TRACE file (src/telemetry/answer-trace.ts): for each
// mark, when it came (ms since the request arrived) and how long it took since the
// mark before it in the same request, p50/p99/max; the slowest requests' whole
// timelines; the event loop's delay and GC pauses per second.
//   TSUNAGI_ANSWER_TRACE=/tmp/t.jsonl … ; node dist/bench/answer-trace.js /tmp/t.jsonl [slowest=5]
import { readFileSync } from 'node:fs';

interface Req {
  t0: number;
  marks: [string, number][];
}
interface Loop {
  loop: { t: number; p50: number; p99: number; max: number; gcMs: number; gcMax: number };
}

const q = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const f = (x: number) => x.toFixed(1).padStart(7);

export function summarize(text: string, slowest = 5): string {
  const reqs: Req[] = [];
  const loops: Loop['loop'][] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.loop) loops.push(o.loop);
    else if (o.marks.some((m: [string, number]) => m[0] === 'accepted')) reqs.push(o);
  }
  // stores are named by file; `group<n>` carries the group size: fold both into the mark name
  const norm = (n: string) =>
    n.replace(/^store [^:]*:group\d+$/, 'store:group').replace(/^store [^:]*:/, 'store:');
  const at = new Map<string, number[]>();
  const since = new Map<string, number[]>();
  for (const r of reqs) {
    let prev = 0;
    for (const [name, t] of [...r.marks].sort((a, b) => a[1] - b[1])) {
      const n = norm(name);
      (at.get(n) ?? at.set(n, []).get(n)!).push(t);
      (since.get(n) ?? since.set(n, []).get(n)!).push(t - prev);
      prev = t;
    }
  }
  const out: string[] = [`${reqs.length} answered requests`];
  out.push(`${'mark'.padEnd(34)}    n   at p50     p99     max | since prev p50   p99     max`);
  const order = [...at.entries()].sort((a, b) => q(a[1], 0.5) - q(b[1], 0.5));
  for (const [n, xs] of order) {
    const d = since.get(n)!;
    out.push(
      `${n.padEnd(34)} ${String(xs.length).padStart(5)} ${f(q(xs, 0.5))} ${f(q(xs, 0.99))} ${f(q(xs, 1))} | ${f(q(d, 0.5))} ${f(q(d, 0.99))} ${f(q(d, 1))}`,
    );
  }
  const total = (r: Req) => r.marks.find((m) => m[0] === 'accepted')![1];
  for (const r of [...reqs].sort((a, b) => total(b) - total(a)).slice(0, slowest))
    out.push(`slow @${r.t0}: ${r.marks.map(([n, t]) => `${n}=${t}`).join(' ')}`);
  if (loops.length > 0) {
    const m = (k: keyof Loop['loop']) => loops.map((l) => l[k]);
    out.push(
      `event loop per second (${loops.length} s): delay p99 median ${q(m('p99'), 0.5)} ms, worst ${q(m('max'), 1)} ms; ` +
        `GC ms/s median ${q(m('gcMs'), 0.5)}, longest pause ${q(m('gcMax'), 1)} ms`,
    );
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(summarize(readFileSync(process.argv[2], 'utf8'), Number(process.argv[3] ?? 5)));
