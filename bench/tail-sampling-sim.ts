// tail_sampling in one process, in simulated time: 100k spans per tick (one
// tick = 1 s of the decision timer), decided 30 ticks later, for 45 ticks. The
// spans go in as the OTLP receiver hands them over (protobuf decoded lazily).
// Independent of how busy the machine is: memory and CPU per span, not wall time.
// Forked by bench/tail-sampling.ts; prints one JSON line.

import { configSchema } from '../processors/tail_sampling/config.js';
import { TailSamplingProcessor } from '../processors/tail_sampling/processor.js';
import { decodeTracesLazy } from '../src/codec/otlp-proto.js';
import { countSpans } from '../src/pdata/count.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import { peakRssMiB } from './lib/proc.js';
import { PER_REQUEST, refresh, type Template, template } from './lib/whole-traces.js';

export const POLICIES = [
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } },
  {
    name: 'checkout',
    type: 'string_attribute',
    string_attribute: { key: 'http.route', values: ['^/api/v1/checkout'], enabled_regex_matching: true },
  },
  { name: 'ten-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
];

const [rateArg, ticksArg] = process.argv.slice(2);
const perTick = Number(rateArg ?? 100_000) / PER_REQUEST;
const ticks = Number(ticksArg ?? 45);
const templates: Template[] = Array.from({ length: 64 }, (_, i) => template(i));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// Calibration: the same input without the processor (refresh + lazy decode: the load and the receiver's part).
let c0 = cpu();
for (let i = 0; i < perTick * 5; i++) {
  const t = templates[i % templates.length];
  refresh(t);
  decodeTracesLazy(t.body);
}
const inputCpuPerRequest = (cpu() - c0) / (perTick * 5);

let forwarded = 0;
const p = new TailSamplingProcessor(
  configSchema.parse({ decision_wait: '30s', num_traces: 400_000, policies: POLICIES }),
  {
    consume: async (d) => {
      forwarded += countSpans(d);
    },
  },
  silentLogger(),
  new SelfMetrics(),
  'tail_sampling',
  { manualTicks: true },
);
// as the pipeline starts it (manual ticks: no timer; what start() sets up besides, it does here too)
await p.start();
let held = 0;
let inMemory = 0;
let requests = 0;
c0 = cpu();
for (let tick = 0; tick < ticks; tick++) {
  for (let i = 0; i < perTick; i++, requests++) {
    const t = templates[requests % templates.length];
    refresh(t);
    await p.consume(decodeTracesLazy(t.body)); // copies what it keeps: the body is rewritten next round
  }
  p.tick();
  await new Promise((r) => setImmediate(r));
  held = Math.max(held, p.heldBytes);
  if (process.env.SIM_DEBUG && tick % 5 === 4) {
    const m = process.memoryUsage();
    const f = (n: number) => (n / 1048576).toFixed(0);
    console.error(
      `tick ${tick}: rss ${f(m.rss)} heapUsed ${f(m.heapUsed)} heapTotal ${f(m.heapTotal)} external ${f(m.external)} arrayBuffers ${f(m.arrayBuffers)} held ${f(p.heldBytes)}`,
    );
  }
  inMemory = Math.max(inMemory, p.tracesInMemory);
}
await p.shutdown();
const total = cpu() - c0;
const spans = requests * PER_REQUEST;
const processorCpu = total - inputCpuPerRequest * requests;
process.stdout.write(
  `${JSON.stringify({
    spans,
    forwarded,
    cpuSecPerMillion: processorCpu / (spans / 1e6),
    peakRssMiB: peakRssMiB(process.pid),
    heldMiB: held / 1048576,
    tracesInMemory: inMemory,
  })}\n`,
);
