// file_log records keep their parsers' attribute map until something reads it
// (pdata/plain-record.ts). Through the binary: a processor that changes the
// attributes gets them, its changes are exported; a second pipeline fed by the
// same receiver (fan-out) exports the records unchanged; tracelink links a
// line the operators left unparsed; the JSON fields arrive with their types.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeOtlpHttpServer } from './support/fake-otlp.js';
import { startTsunagi, waitFor } from './support/tsunagi-process.js';

const root = mkdtempSync(join(tmpdir(), 'tsunagi-flp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Rec = {
  body: { stringValue: string };
  attributes?: { key: string; value: Record<string, unknown> }[];
  traceId?: string;
};
const recordsOf = (s: FakeOtlpHttpServer): Rec[] =>
  s.requests.flatMap((r) =>
    r.body.resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords)),
  );
const attrs = (r: Rec) => Object.fromEntries((r.attributes ?? []).map((kv) => [kv.key, kv.value]));

describe('file_log records through processors', () => {
  it('a processor reading the attributes changes what one pipeline exports, not the other', async () => {
    const dir = join(root, 'pods', 'shop_api-1_0f1e2d3c-aaaa-bbbb-cccc-000000000009', 'app');
    mkdirSync(dir, { recursive: true });
    const T = '4bf92f3577b34da6a3ce929d0e0e4736';
    writeFileSync(
      join(dir, '0.log'),
      [
        `2024-05-01T10:00:00.000000001Z stdout F {"level":"info","user":"alice","status":200,"ratio":0.5,"ok":true,"tags":["a",1],"ctx":{"k":"v"}}`,
        `2024-05-01T10:00:00.000000002Z stderr F plain text trace_id=${T} span_id=00f067aa0ba902b7`,
        '',
      ].join('\n'),
    );
    const changed = new FakeOtlpHttpServer();
    const unchanged = new FakeOtlpHttpServer();
    const [a, b] = [await changed.listen(), await unchanged.listen()];
    const t = await startTsunagi(`
receivers:
  file_log:
    include: [${join(root, 'pods', '*', '*', '*.log')}]
    start_at: beginning
    include_file_path: true
    operators:
      - { type: container }
      - { type: json_parser, if: 'body matches "^\\\\{"' }
processors:
  attributes:
    actions:
      - { key: user, action: hash }
      - { key: status, action: delete }
      - { key: team, value: payments, action: insert }
  tracelink:
exporters:
  otlp_http/changed: { endpoint: ${a}, compression: none }
  otlp_http/unchanged: { endpoint: ${b}, compression: none }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs/changed: { receivers: [file_log], processors: [attributes, tracelink], exporters: [otlp_http/changed] }
    logs/unchanged: { receivers: [file_log], exporters: [otlp_http/unchanged] }
`);
    try {
      await waitFor(
        () => recordsOf(changed).length === 2 && recordsOf(unchanged).length === 2,
        'both pipelines',
      );
      const [json1, text1] = recordsOf(changed);
      const [json2, text2] = recordsOf(unchanged);
      const c = attrs(json1);
      expect(c.user.stringValue).toMatch(/^[0-9a-f]{64}$/); // SHA-256 of "alice"
      expect(c.status).toBeUndefined();
      expect(c.team).toEqual({ stringValue: 'payments' });
      expect(c.level).toEqual({ stringValue: 'info' });
      const u = attrs(json2);
      expect(u.user).toEqual({ stringValue: 'alice' });
      expect(u.status).toEqual({ intValue: '200' });
      expect(u.ratio).toEqual({ doubleValue: 0.5 });
      expect(u.ok).toEqual({ boolValue: true });
      expect(u.tags).toEqual({ arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } });
      expect(u.ctx).toEqual({ kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } });
      expect(u['log.iostream']).toEqual({ stringValue: 'stdout' });
      expect(u.team).toBeUndefined();
      // tracelink found the context in the unparsed text line; the other pipeline has none
      expect(text1.traceId).toBe(Buffer.from(T, 'hex').toString('base64')); // protobufjs gives bytes as base64
      expect(text2.traceId ?? '').toBe('');
      expect(attrs(text2)['log.iostream']).toEqual({ stringValue: 'stderr' });
    } finally {
      await t.stop();
      await changed.close();
      await unchanged.close();
    }
  });
});
