// Throughput of the tracelink processor's per-record work on typical log
// lines: `node dist/bench/tracelink.js` after `npm run build`.

import { configSchema } from '../processors/tracelink/config.js';
import { TracelinkProcessor } from '../processors/tracelink/processor.js';
import { toAnyValue } from '../src/pdata/attributes.js';
import { newLogRecord } from '../src/pdata/create.js';
import type { AnyValue, LogRecord } from '../src/pdata/types.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

const cases: [string, () => LogRecord][] = [
  [
    'text, no context',
    () => mk({ stringValue: '10.0.0.1 - - "GET /index.html HTTP/1.1" 200 1043 "-" "curl/8.0"' }),
  ],
  [
    'text, logfmt context',
    () => mk({ stringValue: `level=info msg="GET /" trace_id=${T} span_id=${S} dur=3ms` }),
  ],
  [
    'text, JSON-looking context',
    () => mk({ stringValue: `{"level":"info","msg":"GET /","traceId":"${T}","spanId":"${S}"}` }),
  ],
  [
    'attributes context',
    () => mk({ stringValue: 'hello' }, { 'http.method': 'GET', trace_id: T, span_id: S }),
  ],
  ['map body, no context', () => mk(toAnyValue({ level: 'info', msg: 'GET /', status: 200 }))],
];

function mk(body: AnyValue, attrs: Record<string, unknown> = {}): LogRecord {
  const r = newLogRecord();
  r.body = body;
  r.attributes = Object.entries(attrs).map(([key, v]) => ({ key, value: toAnyValue(v) }));
  return r;
}

const p = new TracelinkProcessor(configSchema.parse({ request_id_keys: ['request_id'] }), {
  consume: async () => {},
});
const N = 200_000;
for (const [name, make] of cases) {
  const recs = Array.from({ length: N }, make);
  for (let i = 0; i < 10_000; i++) p.link(make()); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) p.link(recs[i]);
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `${name.padEnd(28)} ${(N / (ns / 1e9) / 1e6).toFixed(2)} M records/s  (${(ns / N).toFixed(0)} ns/record)`,
  );
}
