// file_log end to end with operators: a pods tree written by a real program
// instrumented with the OpenTelemetry JS SDK; container + json_parser +
// trace_parser put each span's IDs on its log records.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anyValueToString, getAttr } from '../../src/pdata/attributes.js';
import { hexOf } from '../../src/pdata/ids.js';
import { records, startReceiver, tempDir, waitFor } from './testutil/harness.js';

const APP = fileURLToPath(new URL('./testutil/otel-app.mjs', import.meta.url));

describe('file_log + container + json_parser + trace_parser', () => {
  it('every record written inside a span carries that span’s trace and span IDs', async () => {
    const root = tempDir();
    const dir = join(root, 'pods', 'shop_checkout-7d9f_0f1e2d3c-aaaa-bbbb-cccc-000000000001', 'app');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, '0.log');
    writeFileSync(file, '');
    const { rcv, consumer } = await startReceiver({
      include: [join(root, 'pods', '*', '*', '*.log')],
      include_file_path: true,
      include_file_name: false,
      preserve_trailing_whitespaces: true,
      operators: [
        { type: 'container', id: 'container-parser' },
        { type: 'json_parser', parse_from: 'body', severity: { parse_from: 'attributes.level' } },
        { type: 'trace_parser' },
      ],
    });
    const printed = execFileSync(process.execPath, [APP, file, '20'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; traceId: string; spanId: string });
    await waitFor(() => records(consumer.received).length === 20);
    const recs = records(consumer.received);
    for (const { rl, r } of recs) {
      const body = JSON.parse(anyValueToString(r.body));
      const want = printed[Number(/\d+$/.exec(body.msg)?.[0])];
      expect(body.msg).toBe(`handled request ${want.i}`);
      expect(body.pad).toBe('x'.repeat(want.i * 7)); // P/F fragments joined byte-exactly
      expect(hexOf(r.traceId)).toBe(want.traceId);
      expect(hexOf(r.spanId)).toBe(want.spanId);
      expect(r.flags).toBe(1);
      expect(r.severityNumber).toBe(body.level === 'error' ? 17 : 9);
      expect(r.timeUnixNano).toBeGreaterThan(0n);
      expect(getAttr(r.attributes, 'log.iostream')).toEqual({ stringValue: 'stdout' });
      const res = Object.fromEntries(
        rl.resource.attributes.map((kv) => [kv.key, anyValueToString(kv.value)]),
      );
      expect(res).toEqual({
        'k8s.namespace.name': 'shop',
        'k8s.pod.name': 'checkout-7d9f',
        'k8s.pod.uid': '0f1e2d3c-aaaa-bbbb-cccc-000000000001',
        'k8s.container.name': 'app',
        'k8s.container.restart_count': '0',
      });
    }
    // one resource group per batch: the per-file metadata is shared, not serialized per line
    expect(consumer.received.every((d) => d.resourceLogs.length === 1)).toBe(true);
    await rcv.shutdown();
  });
});
