// TSUNAGI_ANSWER_TRACE (src/telemetry/answer-trace.ts) through the binary: one line per
// answered request with its path's timestamps, in the order the path takes, including each
// persistent queue's store write and fdatasync of a fan-out; bench/answer-trace.ts reads it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../bench/answer-trace.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const span = (i: number) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'trace-test' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: `eee19b7ec3c1b17${i}`,
              name: `span ${i} – ünïcode`,
              kind: 1,
              startTimeUnixNano: '1544712660000000000',
              endTimeUnixNano: '1544712661000000000',
            },
          ],
        },
      ],
    },
  ],
});

describe('TSUNAGI_ANSWER_TRACE', { timeout: 60_000 }, () => {
  const sink = new OtlpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());

  it('writes each answered request path: body, decoded, each queue durable after its store fdatasync, answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'answer-trace-'));
    const file = join(dir, 'trace.jsonl');
    const port = await freePort();
    const t = await startTsunagi(
      `extensions:
  file_storage: { directory: ${dir} }
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:${port} } } }
exporters:
  otlp_http/a: { endpoint: http://127.0.0.1:${sink.httpPort}, sending_queue: { storage: file_storage } }
  otlp_http/b: { endpoint: http://127.0.0.1:${sink.httpPort}, sending_queue: { storage: file_storage } }
service:
  extensions: [file_storage]
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlp_http/a, otlp_http/b] }
`,
      { TSUNAGI_ANSWER_TRACE: file },
    );
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(span(i)),
        });
        expect(res.status).toBe(200);
      }
      await waitFor(() => sink.requests.traces.length >= 6, 'both exporters delivered');
    } finally {
      await t.stop();
    }
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const reqs = lines.filter((l) => l.marks);
    expect(reqs).toHaveLength(3);
    for (const r of reqs) {
      const at = new Map<string, number>(r.marks);
      const names = r.marks.map((m: [string, number]) => m[0]);
      for (const n of ['body', 'decoded', 'otlp_http/a:durable', 'otlp_http/b:durable', 'accepted', 'done'])
        expect(names).toContain(n);
      expect(at.get('body')!).toBeLessThanOrEqual(at.get('decoded')!);
      for (const q of ['a', 'b']) {
        const synced = at.get(`store exporter_otlp_http_a_traces:synced`.replace('_a_', `_${q}_`));
        expect(synced).toBeDefined();
        expect(synced!).toBeLessThanOrEqual(at.get(`otlp_http/${q}:durable`)!);
        expect(at.get(`otlp_http/${q}:durable`)!).toBeLessThanOrEqual(at.get('accepted')!);
      }
    }
    expect(lines.some((l) => l.loop)).toBe(true);
    const summary = summarize(readFileSync(file, 'utf8'));
    expect(summary).toMatch(/^3 answered requests/);
    expect(summary).toMatch(/store:synced\s+6 /);
  });
});
