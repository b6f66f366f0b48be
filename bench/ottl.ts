// OTLP traces through `transform` (3 `set` statements with a `where`) + `filter`
// + `batch` → OTLP sink, against the same pipeline with `batch` only,
// interleaved A B A B, median CPU-seconds of Tsunagi per million spans.
// Target (issue 15): the two processors add at most 1.5 CPU-s per million spans.
import { fmt } from './lib/proc.js';
import { runOtlpBench } from './otlp.js';

const RUNS = Number(process.env.BENCH_OTTL_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_OTTL_SECONDS ?? 8);
/**
 * BENCH_RATE (spans/s) paces the load instead of sending as fast as Tsunagi answers: on a busy
 * machine the sink falls behind, the exporter queue fills and most of an unpaced run is refusals
 * (which cost CPU but deliver nothing).
 */
const RATE = Number(process.env.BENCH_RATE ?? 0);

const OTTL = {
  yaml: `  transform:
    error_mode: ignore
    trace_statements:
      - set(span.attributes["deployment.environment"], "prod") where resource.attributes["service.name"] == "orders"
      - set(span.attributes["http.slow"], true) where span.attributes["app.duration_ratio"] > 0.5
      - set(span.attributes["user_agent.original"], "redacted") where IsString(span.attributes["user_agent.original"])
  filter:
    error_mode: ignore
    traces:
      span:
        - 'attributes["http.route"] == "/healthz"'
        - 'attributes["http.response.status_code"] == 204'`,
  ids: ['transform', 'filter'],
  // the filter drops the spans answered 204: one in five of bench/lib/traffic.ts's
  keep: 0.8,
};

const refused = (r: { failed: number }) => (r.failed > 0 ? `, ${fmt(r.failed)} spans refused` : '');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(): Promise<void> {
  const base: number[] = [];
  const ottl: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await runOtlpBench('http', SECONDS, RATE);
    base.push(a.cpuSecPerMillion);
    const b = await runOtlpBench('http', SECONDS, RATE, [], OTTL);
    ottl.push(b.cpuSecPerMillion);
    console.log(
      `run ${i + 1}: batch only ${fmt(a.cpuSecPerMillion, 2)} CPU-s/M spans (main thread ${fmt(a.mainCpuSecPerMillion, 2)}; ${fmt(a.spansPerSec)} spans/s${refused(a)}); ` +
        `transform+filter+batch ${fmt(b.cpuSecPerMillion, 2)} CPU-s/M spans (main thread ${fmt(b.mainCpuSecPerMillion, 2)}; ${fmt(b.spansPerSec)} spans/s${refused(b)})`,
    );
  }
  const added = median(ottl) - median(base);
  console.log(
    `median: batch only ${fmt(median(base), 2)}, transform+filter+batch ${fmt(median(ottl), 2)} CPU-s per million spans; ` +
      `the two processors add ${fmt(added, 2)} CPU-s per million spans (target ≤ 1.5)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
