// validate's connector rules (the collector's connector/README.md): every
// refusal carries the YAML path of the use it is about.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fakeConnector, fakeRegistry } from '../../test/support/fake-factories.js';
import type { Registry } from '../component/component.js';
import { formatIssue } from './issues.js';
import { validateConfig } from './validate.js';

/** fakeRegistry plus a routing-like connector whose table names pipelines. */
function registry(): Registry {
  const r = fakeRegistry();
  const routing = fakeConnector(
    'routing',
    undefined,
    z.strictObject({
      default_pipelines: z.array(z.string()).default([]),
      table: z.array(z.strictObject({ pipelines: z.array(z.string()) })).default([]),
    }),
  );
  routing.pipelineReferences = (c: any) => [
    { path: ['default_pipelines'], pipelines: c.default_pipelines },
    ...c.table.map((t: any, i: number) => ({ path: ['table', i, 'pipelines'], pipelines: t.pipelines })),
  ];
  r.connectors.push(routing);
  return r;
}

function validate(yaml: string) {
  const r = validateConfig(parseYaml(yaml), registry());
  return { errors: r.errors.map(formatIssue), warnings: r.warnings, config: r.config };
}

const BASE = `
receivers: {otlp: }
exporters: {debug: , otlp_grpc: {endpoint: "x:4317"}}
`;

describe('connectors in validate', () => {
  it('accepts the README forms: alongside exporters and receivers, several pipelines on each side, in sequence', () => {
    const r = validate(`${BASE}
connectors: {count: , count/the_counts: , span_metrics: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug, count, span_metrics]}
    logs: {receivers: [otlp], exporters: [count]}
    metrics: {receivers: [otlp, count, span_metrics], exporters: [debug, count/the_counts]}
    metrics/2: {receivers: [count], exporters: [debug]}
    metrics/count_the_counts: {receivers: [count/the_counts], exporters: [otlp_grpc]}
`);
    expect(r.errors).toEqual([]);
    expect([...r.config!.connectors.keys()]).toEqual(['count', 'count/the_counts', 'span_metrics']);
    expect(r.config!.pipelines.get('metrics')!.receivers).toEqual(['otlp', 'count', 'span_metrics']);
  });

  it('takes a deprecated type alias with the deprecation line', () => {
    const r = validate(`${BASE}
connectors: {spanmetrics: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [spanmetrics]}
    metrics: {receivers: [spanmetrics], exporters: [debug]}
`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContain(
      'connectors::spanmetrics: "spanmetrics" alias is deprecated; use "span_metrics" instead',
    );
    expect(r.config!.connectors.get('spanmetrics')!.factory.type).toBe('span_metrics');
  });

  it('refuses a connector used as an exporter only, at each use', () => {
    expect(
      validate(`${BASE}
connectors: {forward: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug, forward]}
    traces/2: {receivers: [otlp], exporters: [forward]}
`).errors,
    ).toEqual([
      'service::pipelines::traces::exporters::1: connector "forward" is used as an exporter but no pipeline lists it as a receiver (a connector is the exporter of one pipeline and the receiver of another)',
      'service::pipelines::traces/2::exporters::0: connector "forward" is used as an exporter but no pipeline lists it as a receiver (a connector is the exporter of one pipeline and the receiver of another)',
    ]);
  });

  it('refuses a connector used as a receiver only', () => {
    expect(
      validate(`${BASE}
connectors: {forward/x: }
service:
  pipelines:
    logs: {receivers: [otlp, forward/x], exporters: [debug]}
`).errors,
    ).toEqual([
      'service::pipelines::logs::receivers::1: connector "forward/x" is used as a receiver but no pipeline lists it as an exporter (a connector is the exporter of one pipeline and the receiver of another)',
    ]);
  });

  it('refuses an unsupported signal pair on each side that has no supported partner', () => {
    // count makes metrics from anything; it cannot make logs, and logs cannot come from it.
    expect(
      validate(`${BASE}
connectors: {count: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [count]}
    logs: {receivers: [count], exporters: [debug]}
`).errors,
    ).toEqual([
      'service::pipelines::traces::exporters::0: connector "count" cannot take traces to any pipeline it is a receiver of (logs): it connects traces → metrics, metrics → metrics, logs → metrics',
      'service::pipelines::logs::receivers::0: connector "count" cannot make logs from any pipeline it is an exporter of (traces): it connects traces → metrics, metrics → metrics, logs → metrics',
    ]);
  });

  it('an unsupported pair next to a supported one is no error (the collector ignores it)', () => {
    const r = validate(`${BASE}
connectors: {forward: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [forward]}
    logs: {receivers: [otlp], exporters: [forward]}
    traces/out: {receivers: [forward], exporters: [debug]}
    logs/out: {receivers: [forward], exporters: [debug]}
`);
    expect(r.errors).toEqual([]);
  });

  it('refuses a cycle through connectors, naming its pipelines and connectors', () => {
    expect(
      validate(`${BASE}
connectors: {forward/a: , forward/b: }
service:
  pipelines:
    traces/in: {receivers: [otlp], exporters: [forward/a]}
    traces/a: {receivers: [forward/a], exporters: [forward/b]}
    traces/b: {receivers: [forward/b], exporters: [debug, forward/a]}
`).errors,
    ).toEqual([
      'service::pipelines::traces/a: cycle through connectors: traces/a → [forward/b] → traces/b → [forward/a] → traces/a (data would travel around it forever)',
    ]);
  });

  it('refuses a pipeline that feeds itself', () => {
    expect(
      validate(`${BASE}
connectors: {forward: }
service:
  pipelines:
    logs: {receivers: [otlp, forward], exporters: [debug, forward]}
`).errors,
    ).toEqual([
      'service::pipelines::logs: cycle through connectors: logs → [forward] → logs (data would travel around it forever)',
    ]);
  });

  it('unknown connector types get a did-you-mean; undefined IDs in pipelines too, with connectors as candidates', () => {
    expect(
      validate(`${BASE}
connectors: {fowrard: , forward: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [forwad]}
    traces/2: {receivers: [forward], processors: [forward], exporters: [debug]}
`).errors,
    ).toEqual([
      'connectors::fowrard: unknown connector type "fowrard" (did you mean \'forward\'?); known connectors: count, forward, routing, span_metrics',
      'service::pipelines::traces::exporters::0: references exporter "forwad" which is not configured (did you mean \'forward\'?)',
      'service::pipelines::traces/2::processors::0: references processor "forward" which is not configured (it is a connector: list it under exporters of one pipeline and receivers of another)',
      'service::pipelines::traces/2::receivers::0: connector "forward" is used as a receiver but no pipeline lists it as an exporter (a connector is the exporter of one pipeline and the receiver of another)',
    ]);
  });

  it('refuses an ID that is both a receiver and a connector', () => {
    expect(
      validate(`
receivers: {otlp: }
exporters: {debug: }
connectors: {otlp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`).errors,
    ).toContain(
      'connectors::otlp: unknown connector type "otlp"; known connectors: count, forward, routing, span_metrics',
    );
    // datadog is both an exporter and a connector type in the collector.
    const reg = registry();
    reg.exporters.push({ ...reg.exporters[0], type: 'datadog' });
    reg.connectors.push(fakeConnector('datadog', [['traces', 'metrics']]));
    const r = validateConfig(
      parseYaml(`
receivers: {otlp: }
exporters: {datadog: }
connectors: {datadog: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [datadog]}
`),
      reg,
    );
    expect(r.errors.map(formatIssue)).toEqual([
      'connectors::datadog: ambiguous ID: "datadog" is both an exporter and a connector; rename one (e.g. "datadog/connector")',
    ]);
  });

  it('pipelines a routing table names must be pipelines the connector feeds, of its signal', () => {
    expect(
      validate(`${BASE}
connectors:
  routing:
    default_pipelines: [traces/other]
    table:
      - pipelines: [traces/a, traces/in]
      - pipelines: [traces/nope, logs/a]
service:
  pipelines:
    traces/in: {receivers: [otlp], exporters: [routing]}
    traces/a: {receivers: [routing], exporters: [debug]}
    traces/other: {receivers: [routing], exporters: [debug]}
    logs/a: {receivers: [routing], exporters: [debug]}
`).errors,
    ).toEqual([
      'service::pipelines::logs/a::receivers::0: connector "routing" cannot make logs from any pipeline it is an exporter of (traces/in): it connects traces → traces, metrics → metrics, logs → logs',
      'connectors::routing::table::0::pipelines::1: pipeline "traces/in" does not list connector "routing" as a receiver',
      'connectors::routing::table::1::pipelines::0: pipeline "traces/nope" is not configured',
      'connectors::routing::table::1::pipelines::1: connector "routing" takes traces and cannot deliver it to logs pipeline "logs/a"',
    ]);
  });

  it('warns about a connector no pipeline uses', () => {
    const r = validate(`${BASE}
connectors: {forward/idle: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toContain(
      'connectors::forward/idle: connector is configured but not used in any pipeline',
    );
  });

  it('schema errors in a connector config carry its path', () => {
    expect(
      validate(`${BASE}
connectors: {routing: {tabel: []}}
service:
  pipelines:
    traces/in: {receivers: [otlp], exporters: [routing]}
    traces/a: {receivers: [routing], exporters: [debug]}
`).errors,
    ).toEqual(["connectors::routing::tabel: unknown key (did you mean 'table'?)"]);
  });
});
