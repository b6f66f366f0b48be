import type { AttrAction } from '../../src/attraction/actions.js';
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { Resource } from '../../src/pdata/types.js';

function resourcesOf(data: unknown): { resource: Resource }[] {
  const d = data as { resourceSpans?: { resource: Resource }[]; resourceLogs?: []; resourceMetrics?: [] };
  return d.resourceSpans ?? d.resourceLogs ?? d.resourceMetrics ?? [];
}

/** Applies the action list to the resource attributes of every resource entry. */
export class ResourceProcessor<S extends Signal> implements Processor<S> {
  constructor(
    private readonly apply: AttrAction,
    private readonly next: Consumer<S>,
  ) {}

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    for (const r of resourcesOf(data)) this.apply(r.resource.attributes, ctx);
    return this.next.consume(data, ctx);
  }
}
