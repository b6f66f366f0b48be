// Per-team config fragments through the binary (issue 19): two teams'
// fragments run next to the platform's base config, a broken third and one
// that lists a receiver the base does not expose are refused with their file
// names, `tsunagi validate --config-dir` reports the same, and with --watch a
// new team's file starts its pipeline while a team whose file breaks keeps its
// last good version running.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { encodeTraces } from '../src/codec/otlp-proto.js';
import { toAnyValue } from '../src/pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../src/pdata/create.js';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, TSUNAGI_MAIN, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tsunagi-fragments-'));
const teams = join(dir, 'teams');
mkdirSync(teams);
let sink: OtlpSink | undefined;
let tsunagi: TsunagiProcess | undefined;
afterAll(async () => {
  await tsunagi?.stop('SIGKILL');
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const team = (name: string, yaml: string) => writeFileSync(join(teams, name), yaml);
const teamFragment = (t: string, pipeline = 'traces') => `
processors:
  attributes:
    actions: [{ key: team, value: ${t}, action: insert }]
service:
  pipelines:
    ${pipeline}:
      receivers: [otlp]
      processors: [attributes]
      exporters: [otlp_http/shared]
`;

function span(n: number): Buffer {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  const s = newSpan();
  s.name = `req-${n}`;
  s.traceId = new Uint8Array(16).fill(1);
  s.spanId = new Uint8Array(8).fill(2);
  s.attributes.push({ key: 'n', value: toAnyValue(n) });
  ss.spans.push(s);
  rs.scopeSpans.push(ss);
  return Buffer.from(encodeTraces({ resourceSpans: [rs] }));
}

/** The `team` attribute of every copy of span `req-n` the sink got. */
function teamsOf(n: number): string[] {
  return sink!.requests.traces.flatMap((r) =>
    r.resourceSpans.flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans
          .filter((s: any) => s.name === `req-${n}`)
          .map((s: any) => s.attributes.find((a: any) => a.key === 'team')?.value.stringValue ?? '(base)'),
      ),
    ),
  );
}

test('two teams run, a broken fragment and one using an unexposed receiver are refused by name; --watch adds and keeps', async () => {
  sink = await new OtlpSink().start();
  const [otlpPort, internalPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const base = `
receivers:
  otlp:
    protocols: { http: { endpoint: 127.0.0.1:${otlpPort} } }
  otlp/internal:
    protocols: { http: { endpoint: 127.0.0.1:${internalPort} } }
exporters:
  otlp_http/shared:
    endpoint: http://127.0.0.1:${sink.httpPort}
fragments:
  receivers: [otlp]
  exporters: [otlp_http/shared]
service:
  telemetry: { metrics: { address: 127.0.0.1:${metricsPort} } }
  pipelines:
    traces/platform: { receivers: [otlp/internal], exporters: [otlp_http/shared] }
`;
  team('team-a.yaml', teamFragment('a'));
  team('team-b.yaml', teamFragment('b', 'traces/checkout'));
  team('team-c.yaml', teamFragment('c').replace('receivers: [otlp]', 'receivers: [otlp/internal]'));
  team('team-d.yaml', teamFragment('d').replace('action: insert', 'action: insert, colour: red'));

  // validate checks the whole set and names every refused file
  const basePath = join(dir, 'base.yaml');
  writeFileSync(basePath, base);
  const validate = await promisify(execFile)(process.execPath, [
    TSUNAGI_MAIN,
    'validate',
    '--config',
    basePath,
    '--config-dir',
    teams,
  ]).catch((e: { code: number; stderr: string }) => e);
  expect((validate as { code?: number }).code).toBe(1);
  expect(validate.stderr).toMatch(/2 of 4 fragments refused \(team-c\.yaml, team-d\.yaml\)/);
  expect(validate.stderr).toMatch(
    /team-c\.yaml: .*receiver "otlp\/internal" which the base config does not expose/,
  );
  expect(validate.stderr).toMatch(/team-d\.yaml: processors::attributes\/team-d::actions::0::colour/);

  tsunagi = await startTsunagi(base, {}, [], ['--config-dir', teams, '--watch']);
  const proc = tsunagi;
  expect(proc.stderr()).toMatch(/team-c\.yaml: .*does not expose/);
  expect(proc.stderr()).toMatch(/team-d\.yaml: /);
  const send = (n: number) =>
    fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: span(n),
    }).then((r) => r.status);

  // the two good teams each get their copy of what the shared receiver takes in
  expect(await send(1)).toBe(200);
  await waitFor(() => teamsOf(1).length >= 2, 'both teams');
  expect(teamsOf(1).sort()).toEqual(['a', 'b']);

  // --watch: a new team's file starts its pipeline; a team whose file breaks keeps its last good one
  const reloads = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('otelcol_tsunagi_config_reloads_total'))
      .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  };
  team('team-e.yaml', teamFragment('e'));
  let n = 2;
  for (const end = Date.now() + 15_000; !teamsOf(n - 1).includes('e') && Date.now() < end; n++) {
    expect(await send(n)).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitFor(() => teamsOf(n - 1).length >= 3, 'a, b and e');
  expect(teamsOf(n - 1).sort()).toEqual(['a', 'b', 'e']);

  const before = await reloads();
  team('team-a.yaml', 'processors: [not, a, map');
  for (const end = Date.now() + 15_000; (await reloads()) === before && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 50));
  expect(await send(1000)).toBe(200);
  await waitFor(() => teamsOf(1000).length >= 3, 'a, b and e');
  expect(teamsOf(1000).sort()).toEqual(['a', 'b', 'e']);
  expect(proc.stderr()).toMatch(/team-a\.yaml: .*\(its previous version keeps running\)/);
  expect(await proc.stop()).toBe(0);
}, 60_000);
