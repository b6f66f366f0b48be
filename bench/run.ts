// `npm run bench`: every benchmark, one after the other (each ≤ ~1 minute).
const benches: [string, string][] = [
  ['OTLP traces (issue: core)', './otlp.js'],
  ['OTLP codec microbenchmark', './codec.js'],
  ['Jaeger thrift in', './jaeger.js'],
  ['Container logs tail (receiver only)', './filelog.js'],
  ['DaemonSet agent end to end', './agent.js'],
  ['DaemonSet agent idle (1 and 101 unchanged files)', './filelog-idle.js'],
  ['Loki and Elasticsearch out', './loki-es.js'],
  ['Exporter helper queue', './exporterhelper.js'],
  ['Batch processor', './batch.js'],
  ['Tracelink processor', './tracelink.js'],
  ['Prometheus scrape, 100k series (receiver and the real Prometheus)', './prometheus-scrape.js'],
];
// Modules without main() run when imported (filelog, batch, tracelink).

const only = process.argv[2];
for (const [title, path] of benches) {
  if (only && !path.includes(only)) continue;
  let mod: { main?: () => Promise<void> };
  try {
    mod = await import(path);
  } catch (err) {
    console.log(`\n## ${title}: not available (${(err as Error).message.split('\n')[0]})`);
    continue;
  }
  console.log(`\n## ${title}`);
  await mod.main?.();
}
