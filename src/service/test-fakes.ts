// Behavioural fake components for service tests: they record lifecycle
// events and data, and can fail, hang or hold data until shutdown.
import { z } from 'zod';
import type { BatchingRequest } from '../component/batching.js';
import type {
  ConnectorFactory,
  ConnectorNext,
  Exporter,
  ExporterFactory,
  ExtensionFactory,
  ProcessorFactory,
  ReceiverFactory,
  Registry,
} from '../component/component.js';
import type { ConsumersBySignal } from '../component/consumer.js';
import { setAttr, str } from '../pdata/attributes.js';
import { newResourceSpans, newScopeSpans, newSpan } from '../pdata/create.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { TracesData } from '../pdata/types.js';

export function traces(name = 'span'): TracesData {
  const rs = newResourceSpans();
  const ss = newScopeSpans();
  const span = newSpan();
  span.name = name;
  ss.spans.push(span);
  rs.scopeSpans.push(ss);
  return { resourceSpans: [rs] };
}

export class Recorder {
  readonly events: string[] = [];
  readonly receivers = new Map<string, ConsumersBySignal>();
  readonly exported = new Map<string, unknown[]>();
  /** Exporter ID → behaviour. */
  readonly exporterMode = new Map<string, 'ok' | 'fail-permanent' | 'fail-retryable' | 'hang'>();
  readonly startFailures = new Set<string>();
  /** Component ID → a promise its start() waits for (to observe the "starting" state). */
  readonly startGates = new Map<string, Promise<void>>();
  readonly exporterSignals = new Map<string, readonly Signal[]>();
  /** Connector instances created: `id from->to`. */
  readonly connectorInstances: string[] = [];
  /** The `next` each connector instance got, by `id from->to`. */
  readonly connectorNexts = new Map<string, ConnectorNext<Signal>>();
  /** Batching requests an exporter of type `bexp` took, by exporter ID. */
  readonly batchingAsked = new Map<string, BatchingRequest[]>();
  /** What each `batchlike` processor's downstream answered, by `id@pipeline`. */
  readonly batchingAnswers = new Map<string, boolean>();

  registry(): Registry {
    const rec = this;
    const ALL: Signal[] = ['traces', 'metrics', 'logs'];
    const lifecycle = (id: string) => ({
      async start() {
        await rec.startGates.get(id);
        if (rec.startFailures.has(id)) throw new Error(`${id} cannot bind`);
        rec.events.push(`start ${id}`);
      },
      async shutdown() {
        rec.events.push(`shutdown ${id}`);
      },
    });
    const receiver: ReceiverFactory = {
      kind: 'receiver',
      type: 'rcv',
      description: 'fake receiver',
      signals: ALL,
      configSchema: z.any(),
      create: (s, _c, next) => {
        rec.receivers.set(s.id, next);
        return lifecycle(s.id);
      },
    };
    const proc = (type: string, mutatesData: boolean, transform?: (d: any) => void): ProcessorFactory => ({
      kind: 'processor',
      type,
      description: type,
      signals: ALL,
      mutatesData,
      configSchema: z.any(),
      create: (s, _c, _signal, next) => ({
        ...lifecycle(`${s.id}@${s.logger.bindings()['otelcol.pipeline.id']}`),
        consume: (d, ctx) => {
          transform?.(d);
          return next.consume(d, ctx);
        },
      }),
    });
    // Holds everything until shutdown, then flushes it downstream (a batch processor).
    const holder: ProcessorFactory = {
      kind: 'processor',
      type: 'holder',
      description: 'holds data until shutdown',
      signals: ALL,
      mutatesData: false,
      configSchema: z.any(),
      create: (s, _c, _signal, next) => {
        const held: unknown[] = [];
        const id = `${s.id}@${s.logger.bindings()['otelcol.pipeline.id']}`;
        return {
          async start() {
            rec.events.push(`start ${id}`);
          },
          async consume(d) {
            held.push(d);
          },
          async shutdown() {
            rec.events.push(`shutdown ${id} flushing ${held.length}`);
            for (const d of held.splice(0)) await next.consume(d as any);
          },
        };
      },
    };
    const exporter = (type: string, mutatesData: boolean): ExporterFactory => ({
      kind: 'exporter',
      type,
      description: type,
      signals: ALL,
      mutatesData,
      configSchema: z.any(),
      create: (s, _c, signals): Exporter => {
        rec.exporterSignals.set(s.id, signals);
        return {
          ...lifecycle(s.id),
          async consume<S extends Signal>(_signal: S, data: SignalDataMap[S]) {
            const mode = rec.exporterMode.get(s.id) ?? 'ok';
            if (mode === 'hang') return new Promise<void>(() => {});
            if (mode === 'fail-permanent') {
              const { permanentError } = await import('../component/errors.js');
              throw permanentError('backend said 400');
            }
            if (mode === 'fail-retryable') throw new Error('connection refused');
            if (mutatesData)
              setAttr((data as TracesData).resourceSpans[0].resource.attributes, 'touched', str(s.id));
            const list = rec.exported.get(s.id) ?? [];
            list.push(data);
            rec.exported.set(s.id, list);
          },
        };
      },
    });
    // Asks the stages after it to batch, as the batch processor does at creation.
    const batchlike: ProcessorFactory = {
      kind: 'processor',
      type: 'batchlike',
      description: 'asks for batching downstream',
      signals: ALL,
      mutatesData: false,
      configSchema: z.any(),
      create: (s, _c, _signal, next) => {
        const id = `${s.id}@${s.logger.bindings()['otelcol.pipeline.id']}`;
        rec.batchingAnswers.set(
          id,
          s.downstream?.requestBatching({ minSize: 10, maxSize: 0, flushTimeoutMs: 60_000 }) ?? false,
        );
        return { ...lifecycle(id), consume: (d, ctx) => next.consume(d, ctx) };
      },
    };
    const batchingExporter: ExporterFactory = {
      ...exporter('bexp', false),
      create: (s, c, signals) => {
        const e = exporter('bexp', false).create(s, c, signals);
        e.acceptBatching = (_signal, req) => {
          const list = rec.batchingAsked.get(s.id) ?? [];
          list.push(req);
          rec.batchingAsked.set(s.id, list);
          return true;
        };
        return e;
      },
    };
    const SAME: ConnectorFactory['pairs'] = [
      ['traces', 'traces'],
      ['metrics', 'metrics'],
      ['logs', 'logs'],
    ];
    // Hands what it gets to every pipeline it feeds (the forward connector).
    const fwd: ConnectorFactory = {
      kind: 'connector',
      type: 'fwd',
      description: 'pass-through connector',
      pairs: SAME,
      mutatesData: false,
      passThrough: true,
      configSchema: z.any(),
      create: (s, _c, from, to, next) => {
        const key = `${s.id} ${from}->${to}`;
        rec.connectorInstances.push(key);
        rec.connectorNexts.set(key, next as ConnectorNext<Signal>);
        return { ...lifecycle(s.id), consume: (d, ctx) => next.consume(d as never, ctx) };
      },
    };
    // Answers at once and emits one metrics request per request it gets (count, span_metrics).
    const agg: ConnectorFactory = {
      kind: 'connector',
      type: 'agg',
      description: 'aggregating connector',
      pairs: [
        ['traces', 'metrics'],
        ['logs', 'metrics'],
      ],
      mutatesData: false,
      passThrough: false,
      configSchema: z.any(),
      create: (s, _c, from, to, next) => {
        rec.connectorInstances.push(`${s.id} ${from}->${to}`);
        return {
          ...lifecycle(s.id),
          async consume() {
            void next.consume({ resourceMetrics: [] } as never).catch(() => {});
          },
        };
      },
    };
    const ext: ExtensionFactory = {
      kind: 'extension',
      type: 'ext',
      description: 'fake extension',
      configSchema: z.any(),
      create: (s) => lifecycle(s.id),
    };
    return {
      receivers: [receiver],
      processors: [
        proc('pass', false),
        proc('tag', true, (d: TracesData) =>
          setAttr(d.resourceSpans[0].resource.attributes, 'tagged', str('yes')),
        ),
        holder,
        batchlike,
      ],
      exporters: [exporter('exp', false), exporter('mutexp', true), batchingExporter],
      extensions: [ext],
      connectors: [fwd, agg],
    };
  }
}
