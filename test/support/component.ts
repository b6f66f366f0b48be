// Shared test fixtures: component settings with a silent logger, and a
// consumer that records what it accepted (and can be told to fail).
import type { ComponentSettings, ConnectorNext, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import { holdData } from '../../src/pdata/hold.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { SelfMetrics } from '../../src/telemetry/self-metrics.js';

export function testSettings(
  id: string,
  kind: ComponentSettings['kind'] = 'receiver',
  metrics = new SelfMetrics(),
): ComponentSettings {
  return { id, kind, logger: silentLogger(), metrics };
}

export const emptyHost: Host = { getExtension: () => undefined };

export class CollectingConsumer<S extends Signal> implements Consumer<S> {
  readonly received: SignalDataMap[S][] = [];
  /** When set, consume() rejects with this error (and records nothing). */
  failWith: Error | undefined;

  async consume(data: SignalDataMap[S]): Promise<void> {
    if (this.failWith) throw this.failWith;
    holdData(data); // kept for the test's lifetime: never released
    this.received.push(data);
  }
}

/**
 * A ConnectorNext over one CollectingConsumer per downstream pipeline ID, as
 * the service gives a connector (without copies: tests do not mutate).
 */
export function testConnectorNext<S extends Signal>(ids: string[]) {
  const sinks = new Map(ids.map((id) => [id, new CollectingConsumer<S>()]));
  const deliver = (sel: readonly string[]) => async (data: SignalDataMap[S]) => {
    await Promise.all(sel.map((id) => sinks.get(id)!.consume(data)));
  };
  const next: ConnectorNext<S> = {
    pipelineIds: ids,
    consume: deliver(ids),
    to(sel) {
      for (const id of sel) if (!sinks.has(id)) throw new Error(`no pipeline ${id}`);
      return { consume: deliver(sel) };
    },
  };
  return { next, sinks };
}
