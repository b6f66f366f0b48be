// `npm run bench`: every benchmark, one after the other (each ≤ ~1 minute).
const benches: [string, string][] = [
  ['OTLP traces (issue: core)', './otlp.js'],
  ['Answers at once with batch (latency, 4 one-in-flight senders, Jaeger UDP)', './answers.js'],
  [
    'An SDK app (default batch processors, 10k spans/s + 10k logs/s) through config/gateway.yaml',
    './gateway-sdk.js',
  ],
  ['OTLP codec microbenchmark', './codec.js'],
  ['Jaeger thrift in', './jaeger.js'],
  ['Fluent forward in (vs OTLP/HTTP logs relay)', './fluent-forward.js'],
  ['Syslog TCP in vs OTLP/HTTP logs relay', './syslog.js'],
  ['Container logs tail (receiver only)', './filelog.js'],
  ['DaemonSet agent end to end', './agent.js'],
  ['DaemonSet agent idle (1 and 101 unchanged files)', './filelog-idle.js'],
  ['Loki and Elasticsearch out (exporters alone)', './loki-es.js'],
  ['OTLP logs → batch → Elasticsearch / Loki (the pipelines users run)', './pipelines.js'],
  ['Elasticsearch / Loki build per record, in one process (no I/O)', './exporter-build.js'],
  ['Exporter helper queue', './exporterhelper.js'],
  ['Batch processor', './batch.js'],
  ['Tracelink processor', './tracelink.js'],
  ['Prometheus scrape, 100k series (receiver and the real Prometheus)', './prometheus-scrape.js'],
  ['Prometheus remote write out (100k series)', './prometheus-remote-write.js'],
  ['OTTL: transform + filter', './ottl.js'],
  ['OTTL: transform + filter in one process (no network: the processors alone)', './ottl-inproc.js'],
  ['Config loading (one 60k-key map)', './config-load.js'],
  ['load_balancing exporter to 3 sinks (vs OTLP/HTTP traces relay)', './load-balancing.js'],
  ['Tail sampling (100k spans/s, 30 s decision_wait, 4 policies)', './tail-sampling.js'],
  ['Status page (zpages) with 50 pipelines: unwatched, streamed, open in Chromium', './status-page.js'],
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
