// The OTTL bench's processors in one process, without the network: each request
// is decoded lazily (as the OTLP receiver does), run through `transform` and
// `filter` (the statements of bench/ottl.ts), sized (as the exporter queue
// does when it takes a request, keeping decoded spans as their encoding) and
// encoded again (as the exporter does when it sends it); the baseline only
// decodes, sizes and encodes. Interleaved A B A B, median CPU-µs per span: the
// processors' cost without the noise of sockets, the receiver and the sink.
// Run: npm run build && node dist/bench/ottl-inproc.js
// Against another build, in the same process (A = the other build, B = this one, rounds
// interleaved A B A B; each side's cost is its own processors' added cost per round):
//   BENCH_AB=/path/to/other/dist node dist/bench/ottl-inproc.js

import { factory as filterFactory } from '../processors/filter/factory.js';
import { factory as transformFactory } from '../processors/transform/factory.js';
import { compactTraces, decodeTracesLazy, encodeTraces } from '../src/codec/proto-traces.js';
import type { Consumer } from '../src/component/consumer.js';
import type { TracesData } from '../src/pdata/types.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { fmt } from './lib/proc.js';
import { makeTraces } from './lib/traffic.js';

const ROUNDS = Number(process.env.BENCH_OTTL_ROUNDS ?? 31);
const REQUESTS = Number(process.env.BENCH_OTTL_REQUESTS ?? 300);
const SPANS = 100;

export const TRANSFORM = {
  error_mode: 'ignore',
  trace_statements: [
    'set(span.attributes["deployment.environment"], "prod") where resource.attributes["service.name"] == "orders"',
    'set(span.attributes["http.slow"], true) where span.attributes["app.duration_ratio"] > 0.5',
    'set(span.attributes["user_agent.original"], "redacted") where IsString(span.attributes["user_agent.original"])',
  ],
};
export const FILTER = {
  error_mode: 'ignore',
  traces: {
    span: ['attributes["http.route"] == "/healthz"', 'attributes["http.response.status_code"] == 204'],
  },
};

const settings = (id: string) => ({
  id,
  kind: 'processor' as const,
  logger: silentLogger(),
  metrics: new SelfMetrics(),
});

/**
 * The exporter's work: its queue sizes a request when it takes it, keeping what processors decoded
 * as its encoding (an OTLP exporter's memory queue: compactTraces), and the sender encodes it.
 */
function export_(d: TracesData): void {
  compactTraces(d);
  encodeTraces(d);
}

/** transform → filter → a consumer that does the exporter's work. */
function chain(): Consumer<'traces'> {
  const sinkConsumer: Consumer<'traces'> = {
    async consume(d: TracesData) {
      export_(d);
    },
  };
  const filter = filterFactory.create(
    settings('filter'),
    filterFactory.configSchema.parse(FILTER),
    'traces',
    sinkConsumer,
  );
  return transformFactory.create(
    settings('transform'),
    transformFactory.configSchema.parse(TRANSFORM),
    'traces',
    filter,
  ) as Consumer<'traces'>;
}

const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(encodeTraces(makeTraces(SPANS, i))));

/** CPU-µs per span for `n` requests through `run`. */
async function measure(run: (body: Buffer) => Promise<void> | void, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await run(bodies[i % bodies.length]);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (n * SPANS);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs: number[]) => Math.min(...xs);

/** One build's base and processors paths (`dist`: that build's dist folder). */
async function side(dist: string) {
  const { factory: f } = await import(`${dist}/processors/filter/factory.js`);
  const { factory: t } = await import(`${dist}/processors/transform/factory.js`);
  const codec = await import(`${dist}/src/codec/proto-traces.js`);
  const exp = (d: TracesData) => {
    codec.compactTraces(d);
    codec.encodeTraces(d);
  };
  const sink: Consumer<'traces'> = {
    async consume(d: TracesData) {
      exp(d);
    },
  };
  const filter = f.create(settings('filter'), f.configSchema.parse(FILTER), 'traces', sink);
  const processors = t.create(settings('transform'), t.configSchema.parse(TRANSFORM), 'traces', filter);
  return {
    base: (b: Buffer) => exp(codec.decodeTracesLazy(b)),
    ottl: (b: Buffer) => processors.consume(codec.decodeTracesLazy(b)),
  };
}

async function paired(other: string): Promise<void> {
  const here = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
  const sides = [await side(other), await side(here)];
  for (const s of sides) {
    await measure(s.base, REQUESTS / 2);
    await measure(s.ottl, REQUESTS / 2);
  }
  const added: number[][] = [[], []];
  const ratio: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < 2; k++) {
      const base = await measure(sides[k].base, REQUESTS);
      const ottl = await measure(sides[k].ottl, REQUESTS);
      added[k].push(ottl - base);
    }
    ratio.push(added[1][i] / added[0][i]);
  }
  console.log(
    `in-process A/B, ${SPANS}-span requests, ${ROUNDS} rounds of ${REQUESTS} requests per side (A = ${other}, B = this build; each round: A base, A processors, B base, B processors): ` +
      `the processors add A median ${fmt(median(added[0]), 2)} (min ${fmt(min(added[0]), 2)}), B median ${fmt(median(added[1]), 2)} (min ${fmt(min(added[1]), 2)}) CPU-µs per span; median of B/A per round ${fmt(median(ratio), 3)}`,
  );
}

export async function main(): Promise<void> {
  if (process.env.BENCH_AB) return paired(process.env.BENCH_AB);
  const processors = chain();
  const base = (b: Buffer) => export_(decodeTracesLazy(b));
  const ottl = (b: Buffer) => processors.consume(decodeTracesLazy(b));
  // warm-up: JIT
  await measure(base, REQUESTS / 2);
  await measure(ottl, REQUESTS / 2);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await measure(base, REQUESTS));
    b.push(await measure(ottl, REQUESTS));
  }
  console.log(
    `in-process, ${SPANS}-span requests, ${ROUNDS} rounds of ${REQUESTS} requests A B A B (CPU-µs per span = CPU-s per million spans): ` +
      `decode+size+encode median ${fmt(median(a), 2)} (min ${fmt(min(a), 2)}), with transform+filter median ${fmt(median(b), 2)} (min ${fmt(min(b), 2)}); ` +
      `the processors add ${fmt(median(b) - median(a), 2)} (medians), ${fmt(min(b) - min(a), 2)} (minimums: the least disturbed rounds)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
