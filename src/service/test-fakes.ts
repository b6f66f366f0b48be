// Behavioural fake components for service tests: they record lifecycle
// events and data, and can fail, hang or hold data until shutdown.
import { z } from 'zod';
import type {
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
      ],
      exporters: [exporter('exp', false), exporter('mutexp', true)],
      extensions: [ext],
      connectors: [],
    };
  }
}
