import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { retryableError } from '../../src/component/errors.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { MemoryLimiter } from './limiter.js';

/** The error receivers turn into 429 / RESOURCE_EXHAUSTED: retryable and throttled. */
export const refusedError = () =>
  retryableError('data refused due to high memory usage', { throttled: true });

export class MemoryLimiterProcessor<S extends Signal> implements Processor<S> {
  constructor(
    private readonly limiter: MemoryLimiter,
    private readonly next: Consumer<S>,
    private readonly onIdle: () => void = () => {},
  ) {}

  async start(_host?: Host): Promise<void> {
    this.limiter.start();
  }

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    if (this.limiter.refusing) return Promise.reject(refusedError());
    return this.next.consume(data, ctx);
  }

  async shutdown(): Promise<void> {
    if (this.limiter.stop()) this.onIdle();
  }
}
