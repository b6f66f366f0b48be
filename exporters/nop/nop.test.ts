import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from '../../app/registry.js';
import { formatIssue } from '../../src/config/issues.js';
import { validateConfig } from '../../src/config/validate.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../../src/pdata/create.js';
import { freePort } from '../../test/support/ports.js';
import { startTsunagi, waitFor } from '../../test/support/tsunagi-process.js';
import { factory } from './factory.js';

const errorsOf = (yaml: string) => validateConfig(parse(yaml), registry).errors.map(formatIssue);

describe('nop exporter', () => {
  it('has no settings: `nop:` is valid for every signal, any key is an error', () => {
    expect(
      errorsOf(`
receivers: {nop: }
exporters: {nop: , nop/2: {}}
service:
  pipelines:
    traces: {receivers: [nop], exporters: [nop]}
    metrics: {receivers: [nop], exporters: [nop/2]}
    logs: {receivers: [nop], exporters: [nop]}`),
    ).toEqual([]);
    expect(
      errorsOf(`
receivers: {nop: {endpoint: "x:1"}}
exporters: {nop: {verbosity: basic}}
service: {pipelines: {traces: {receivers: [nop], exporters: [nop]}}}`),
    ).toEqual(['receivers::nop::endpoint: unknown key', 'exporters::nop::verbosity: unknown key']);
  });

  it('accepts data at once', async () => {
    const exp = factory.create({} as never, {}, ['traces']);
    const rs = newResourceSpans();
    const ss = newScopeSpans();
    ss.spans.push(newSpan());
    rs.scopeSpans.push(ss);
    await expect(exp.consume('traces', { resourceSpans: [rs] })).resolves.toBeUndefined();
  });

  it('through the binary: a sender gets its 200 and the data goes nowhere', async () => {
    const port = await freePort();
    const t = await startTsunagi(`
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}
  nop:
exporters:
  nop:
service:
  pipelines:
    logs: {receivers: [otlp, nop], exporters: [nop]}
`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }],
        }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    } finally {
      expect(await t.stop()).toBe(0);
    }
    await waitFor(() => t.stderr().includes('Shutdown complete'), 'shutdown');
  });
});
