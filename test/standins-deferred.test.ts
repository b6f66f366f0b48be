// The load tests' backends in deferred mode take what they are sent unchecked and check it
// when it is read. A deferred stand-in must still find everything the strict one refuses,
// or a load test would pass on documents a real backend rejects.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { EsStandin } from './support/es-standin.js';
import { LokiStandin } from './support/loki-standin.js';

const ndjson = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;

describe('deferred stand-ins', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('Elasticsearch answers every item created, then finds the ones it would have refused', async () => {
    const es = await new EsStandin({ deferred: true }).start();
    open.push(es);
    const body = ndjson([
      { create: { _index: 'logs-app-default' } },
      { '@timestamp': '2026-12-07T00:00:00Z', n: 1 },
      { create: { _index: 'logs-app-default' } },
      { n: 2 }, // no @timestamp in a data stream
      { create: { _index: 'logs-app-default' } },
      { '@timestamp': '2026-12-07T00:00:00Z', n: { nested: true } }, // n was a long
    ]);
    const res = await fetch(`${es.url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: gzipSync(body),
    });
    const answer = (await res.json()) as { errors: boolean; items: unknown[] };
    expect(res.status).toBe(200);
    expect(answer.errors).toBe(false);
    expect(answer.items).toHaveLength(3);
    expect(es.deferredErrors).toEqual([]); // nothing checked yet
    expect(es.search('logs-*').map((d) => d.source.n)).toEqual([1]);
    expect(es.deferredErrors).toHaveLength(2);
    expect(es.deferredErrors.join('\n')).toMatch(/@timestamp/);
    expect(es.deferredErrors.join('\n')).toMatch(/mapper_parsing_exception|failed to parse field/);
  });

  it('Elasticsearch still answers a malformed body at once, as the strict one does', async () => {
    const es = await new EsStandin({ deferred: true }).start();
    open.push(es);
    const res = await fetch(`${es.url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: '{"create":{"_index":"logs-a-b"}}', // no final newline
    });
    expect(res.status).toBe(400);
  });

  it('Loki answers 204, then finds the entries it would have refused', async () => {
    const loki = await new LokiStandin({}, undefined, true).start();
    open.push(loki);
    const now = `${BigInt(Date.now()) * 1_000_000n}`;
    const push = (streams: object[]) =>
      fetch(`${loki.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams }),
      });
    expect((await push([{ stream: { job: 'a' }, values: [[now, 'kept']] }])).status).toBe(204);
    expect((await push([{ stream: { '0bad': 'x' }, values: [[now, 'refused']] }])).status).toBe(204);
    expect(loki.deferredErrors).toEqual([]);
    expect(loki.entryCount()).toBe(1);
    expect(loki.deferredErrors).toHaveLength(1);
    expect(loki.pushes.map((p) => p.entries)).toEqual([1, 0]);
  });
});
