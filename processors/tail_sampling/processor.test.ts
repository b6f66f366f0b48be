import { describe, expect, it } from 'vitest';
import { decodeTracesLazy, encodeTraces } from '../../src/codec/otlp-proto.js';
import { oldGenerationGrowthHolders } from '../../src/memory/old-generation.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';
import { CollectingConsumer, testSettings } from '../../test/support/component.js';
import { decodeUpstream } from '../../test/support/upstream-otlp.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import { TailSamplingProcessor } from './processor.js';
import { request, sid, spansByTrace, tid, wire } from './testdata/traces.js';

function setup(cfg: Record<string, unknown>, opts: { now?: () => number } = {}) {
  const next = new CollectingConsumer<'traces'>();
  const metrics = new SelfMetrics();
  const p = new TailSamplingProcessor(
    configSchema.parse(cfg),
    next,
    testSettings('tail_sampling', 'processor').logger,
    metrics,
    'tail_sampling',
    { manualTicks: true, ...opts },
  );
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) p.tick();
    await Promise.resolve();
  };
  const metric = async (name: string) => {
    const text = await metrics.render();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .map((l) => l.replace(/^\S+?(\{[^}]*\})? /, (_m, labels) => `${labels ?? ''} `).trim());
  };
  return { p, next, ticks, metric };
}

const always = { name: 'all', type: 'always_sample' };
const errors = { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } };

describe('tail_sampling processor', () => {
  it('answers at once, holds spans per trace for decision_wait, then forwards whole traces', async () => {
    const { p, next, ticks } = setup({ decision_wait: '3s', policies: [always] });
    // two requests, spans of two traces interleaved
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1), name: 'a1' },
            { trace: tid(2), id: sid(2), name: 'b1' },
            { trace: tid(1), id: sid(3), parent: sid(1), name: 'a2' },
          ],
        }),
      ),
    );
    await ticks(1);
    await p.consume(wire(request({ spans: [{ trace: tid(2), id: sid(4), parent: sid(2), name: 'b2' }] })));
    await ticks(1);
    expect(next.received).toHaveLength(0);
    await ticks(1); // 3 ticks after the first spans: decided
    expect(spansByTrace(next.received)).toEqual(
      new Map([
        [tid(1), ['a1', 'a2']],
        [tid(2), ['b1', 'b2']],
      ]),
    );
    expect(p.heldBytes).toBe(0);
  });

  it('keeps error traces whole and drops the others, each decided once per trace', async () => {
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [errors] });
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1), name: 'root-ok' },
            { trace: tid(1), id: sid(2), parent: sid(1), name: 'child-error', status: 2 },
            { trace: tid(2), id: sid(3), name: 'fine' },
          ],
        }),
      ),
    );
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(1), ['root-ok', 'child-error']]]));
  });

  it('forwards resource, scope, schema URLs and span fields exactly (checked with the upstream protos)', async () => {
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [always] });
    const input = request({
      resource: { 'service.name': 'checkout', 'k8s.pod.name': 'p-1', n: 42n },
      scope: 'my-lib',
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      spans: [
        {
          trace: tid(7),
          id: sid(1),
          name: 'GET /x',
          attributes: { 'http.status_code': 200n, ok: true, ratio: 0.5 },
          traceState: 'vendor=abc',
          flags: 1,
        },
      ],
    });
    await p.consume(wire(input));
    await ticks(1);
    const got = decodeUpstream('traces', Buffer.from(encodeTraces(next.received[0])));
    const want = decodeUpstream('traces', Buffer.from(encodeTraces(input)));
    expect(got).toEqual(want);
  });

  it('copies what it holds: the request buffer may be reused once consume() resolved', async () => {
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [always] });
    const input = request({ spans: [{ trace: tid(3), id: sid(9), name: 'kept', attributes: { k: 'v' } }] });
    const buf = Buffer.from(encodeTraces(input));
    await p.consume(decodeTracesLazy(buf));
    buf.fill(0xee); // what a pooled request body looks like after reuse
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(3), ['kept']]]));
  });

  it('also takes decoded (non-lazy) data, e.g. after a processor that read the spans', async () => {
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [always] });
    await p.consume(request({ spans: [{ trace: tid(4), id: sid(1), name: 'decoded' }] }));
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(4), ['decoded']]]));
  });

  it('late spans follow the decision while the trace is remembered (no cache: the trace table)', async () => {
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [errors] });
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1), name: 'err', status: 2 }] })));
    await p.consume(wire(request({ spans: [{ trace: tid(2), id: sid(2), name: 'ok' }] })));
    await ticks(1);
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(3), name: 'late-kept' },
            { trace: tid(2), id: sid(4), name: 'late-dropped', status: 2 },
          ],
        }),
      ),
    );
    await ticks(3);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(1), ['err', 'late-kept']]]));
  });

  it('with a decision cache, decided traces leave the table and late spans follow the cached decision', async () => {
    const { p, next, ticks, metric } = setup({
      decision_wait: '1s',
      decision_cache: { sampled_cache_size: 10, non_sampled_cache_size: 10 },
      policies: [errors],
    });
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1), name: 'err', status: 2 },
            { trace: tid(2), id: sid(2), name: 'ok' },
          ],
        }),
      ),
    );
    await ticks(1);
    expect(p.tracesInMemory).toBe(0);
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(3), name: 'late-kept' },
            { trace: tid(2), id: sid(4), name: 'late-dropped', status: 2 },
          ],
        }),
      ),
    );
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(1), ['err', 'late-kept']]]));
    expect(await metric('otelcol_processor_tail_sampling_early_releases_from_cache_decision_total')).toEqual([
      '{processor="tail_sampling",sampled="true"} 1',
      '{processor="tail_sampling",sampled="false"} 1',
    ]);
  });

  it('num_traces bounds memory: the oldest trace is evicted, counted as dropped too early', async () => {
    const { p, next, ticks, metric } = setup({ decision_wait: '2s', num_traces: 2, policies: [always] });
    for (let i = 1; i <= 3; i++)
      await p.consume(wire(request({ spans: [{ trace: tid(i), id: sid(i), name: `t${i}` }] })));
    expect(p.tracesInMemory).toBe(2);
    await ticks(2);
    expect(spansByTrace(next.received)).toEqual(
      new Map([
        [tid(2), ['t2']],
        [tid(3), ['t3']],
      ]),
    );
    expect(await metric('otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total')).toEqual([
      '{processor="tail_sampling"} 1',
    ]);
  });

  it('maximum_trace_size_bytes: a trace growing past it is not sampled, at once', async () => {
    const { p, next, ticks, metric } = setup({
      decision_wait: '1s',
      maximum_trace_size_bytes: 200,
      policies: [always],
    });
    const big = { k: 'x'.repeat(300) };
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1), name: 'huge', attributes: big }] })));
    await p.consume(wire(request({ spans: [{ trace: tid(2), id: sid(2), name: 'small' }] })));
    expect(p.heldBytes).toBeGreaterThan(0);
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(2), ['small']]]));
    expect(await metric('otelcol_processor_tail_sampling_traces_dropped_too_large_total')).toEqual([
      '{processor="tail_sampling"} 1',
    ]);
  });

  it('decision_wait_after_root_received decides a trace early once its root span is in', async () => {
    const { p, next, ticks } = setup({
      decision_wait: '10s',
      decision_wait_after_root_received: '1s',
      policies: [always],
    });
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(2), parent: sid(1), name: 'child' }] })));
    await p.consume(
      wire(request({ spans: [{ trace: tid(2), id: sid(3), parent: sid(9), name: 'orphan' }] })),
    );
    await ticks(1);
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1), name: 'root' }] })));
    await ticks(1);
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(1), ['child', 'root']]]));
    await ticks(8);
    expect(spansByTrace(next.received).get(tid(2))).toEqual(['orphan']);
  });

  it('shutdown decides pending traces at once and resolves after the next consumer accepted them', async () => {
    const { p, next } = setup({ decision_wait: '30s', policies: [errors] });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = next.consume.bind(next);
    next.consume = async (d) => {
      await gate;
      return slow(d);
    };
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1), name: 'e', status: 2 }] })));
    await p.consume(wire(request({ spans: [{ trace: tid(2), id: sid(2), name: 'o' }] })));
    let done = false;
    const stopping = p.shutdown().then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // waits for the next consumer
    release();
    await stopping;
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(1), ['e']]]));
    await expect(p.consume(wire(request({ spans: [{ trace: tid(3), id: sid(3) }] })))).rejects.toThrow(
      /shutting down/,
    );
  });

  it('drop_pending_traces_on_shutdown drops what is undecided', async () => {
    const { p, next } = setup({
      decision_wait: '30s',
      drop_pending_traces_on_shutdown: true,
      policies: [always],
    });
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1) }] })));
    await p.shutdown();
    expect(next.received).toHaveLength(0);
    expect(p.heldBytes).toBe(0);
  });

  it('a refusing next consumer is counted and logged, not retried (the senders were answered)', async () => {
    const { p, next, ticks, metric } = setup({ decision_wait: '1s', policies: [always] });
    next.failWith = new Error('queue is full');
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1) },
            { trace: tid(1), id: sid(2) },
          ],
        }),
      ),
    );
    await ticks(1);
    await new Promise((r) => setImmediate(r));
    expect(await metric('tsunagi_processor_tail_sampling_forward_failed_spans_total')).toEqual([
      '{processor="tail_sampling"} 2',
    ]);
  });

  it('counts per policy and globally, with the collector metric names', async () => {
    const { p, ticks, metric } = setup({ decision_wait: '1s', policies: [errors, always] });
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1), status: 2 },
            { trace: tid(2), id: sid(2) },
            { trace: tid(2), id: sid(3) },
          ],
        }),
      ),
    );
    await ticks(1);
    expect(await metric('otelcol_processor_tail_sampling_count_traces_sampled_total')).toEqual([
      '{processor="tail_sampling",policy="errors",sampled="true",decision="sampled"} 1',
      '{processor="tail_sampling",policy="errors",sampled="false",decision="not_sampled"} 1',
      '{processor="tail_sampling",policy="all",sampled="true",decision="sampled"} 2',
    ]);
    expect(await metric('otelcol_processor_tail_sampling_global_count_traces_sampled_total')).toEqual([
      '{processor="tail_sampling",sampled="true",decision="sampled"} 2',
    ]);
    expect(await metric('otelcol_processor_tail_sampling_new_trace_id_received_total')).toEqual([
      '{processor="tail_sampling"} 2',
    ]);
  });

  it('applies the collector precedence: drop > inverted not-sample > sample > inverted sample (if no not-sample)', async () => {
    const inv = {
      name: 'not-x',
      type: 'string_attribute',
      string_attribute: { key: 'k', values: ['x'], invert_match: true },
    };
    const dropY = {
      name: 'drop-y',
      type: 'drop',
      drop: {
        drop_sub_policy: [
          { name: 'y', type: 'string_attribute', string_attribute: { key: 'k', values: ['y'] } },
        ],
      },
    };
    const { p, next, ticks } = setup({ decision_wait: '1s', policies: [errors, inv, dropY] });
    const t = (n: number, attributes: Record<string, unknown>, status = 0) => ({
      trace: tid(n),
      id: sid(n),
      name: `t${n}`,
      attributes,
      status,
    });
    await p.consume(
      wire(
        request({
          spans: [
            t(1, { k: 'y' }, 2), // error (sampled) but dropped: drop wins
            t(2, { k: 'x' }, 2), // error (sampled) but inverted not-sample: not sampled
            t(3, { k: 'z' }, 2), // error and inverted sample: sampled
            t(4, { k: 'z' }), // inverted sample but errors says not sampled: not sampled
          ],
        }),
      ),
    );
    await ticks(1);
    expect([...spansByTrace(next.received).keys()]).toEqual([tid(3)]);
    const only = setup({ decision_wait: '1s', policies: [inv] });
    await only.p.consume(wire(request({ spans: [t(5, {})] })));
    await only.ticks(1);
    expect([...spansByTrace(only.next.received).keys()]).toEqual([tid(5)]); // inverted sample alone samples
  });

  it('a policy that fails to evaluate is counted and left out of the vote', async () => {
    // indexing a string attribute fails at evaluation; propagate makes it the policy's error
    const failing = {
      name: 'o',
      type: 'ottl_condition',
      ottl_condition: { error_mode: 'propagate', span: ['attributes["x"]["y"] == 1'] },
    };
    const { p, next, ticks, metric } = setup({ decision_wait: '1s', policies: [failing, errors] });
    await p.consume(
      wire(request({ spans: [{ trace: tid(1), id: sid(1), status: 2, attributes: { x: 'str' } }] })),
    );
    await ticks(1);
    expect([...spansByTrace(next.received).keys()]).toEqual([tid(1)]);
    expect(await metric('otelcol_processor_tail_sampling_sampling_policy_evaluation_error_total')).toEqual([
      '{processor="tail_sampling",policy="o"} 1',
    ]);
  });

  it('ottl_condition samples the traces whose spans or span events match', async () => {
    const { p, next, ticks } = setup({
      decision_wait: '1s',
      policies: [
        {
          name: 'checkout',
          type: 'ottl_condition',
          ottl_condition: { span: ['attributes["route"] == "/checkout"'], spanevent: ['name == "retry"'] },
        },
      ],
    });
    await p.consume(
      wire(
        request({
          spans: [
            { trace: tid(1), id: sid(1), attributes: { route: '/checkout' } },
            { trace: tid(2), id: sid(2), attributes: { route: '/health' } },
            { trace: tid(3), id: sid(3), events: ['retry'] },
          ],
        }),
      ),
    );
    await ticks(1);
    expect([...spansByTrace(next.received).keys()].sort()).toEqual([tid(1), tid(3)].sort());
  });

  it('sample_on_first_match stops at the first policy that samples', async () => {
    const { p, ticks, metric } = setup({
      decision_wait: '1s',
      sample_on_first_match: true,
      policies: [always, errors],
    });
    await p.consume(wire(request({ spans: [{ trace: tid(1), id: sid(1) }] })));
    await ticks(1);
    expect(await metric('otelcol_processor_tail_sampling_count_traces_sampled_total')).toEqual([
      '{processor="tail_sampling",policy="all",sampled="true",decision="sampled"} 1',
    ]);
  });

  it('is registered as tail_sampling for traces and runs on its own timer', async () => {
    const next = new CollectingConsumer<'traces'>();
    const p = factory.create(
      testSettings('tail_sampling', 'processor'),
      factory.configSchema.parse({ decision_wait: '50ms', policies: [always] }),
      'traces',
      next,
    );
    await p.start({ getExtension: () => undefined });
    await p.consume(wire(request({ spans: [{ trace: tid(5), id: sid(5), name: 'timed' }] })));
    const until = Date.now() + 5000;
    while (next.received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await p.shutdown();
    expect(spansByTrace(next.received)).toEqual(new Map([[tid(5), ['timed']]]));
    expect(factory.signals).toEqual(['traces']);
  });

  it('holds the old generation growth limit from start to shutdown (src/memory/old-generation.ts)', async () => {
    const before = oldGenerationGrowthHolders();
    const { p } = setup({ decision_wait: '1s', policies: [{ name: 'all', type: 'always_sample' }] });
    await p.start();
    await p.start();
    expect(oldGenerationGrowthHolders()).toBe(before + 1);
    await p.shutdown();
    await p.shutdown();
    expect(oldGenerationGrowthHolders()).toBe(before);
  });
});
