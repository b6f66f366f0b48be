import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { retryableError } from '../../src/component/errors.js';
import type { ComponentStatus } from '../../src/component/status.js';
import { countItems } from '../../src/pdata/count.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { MemoryLimiter } from './limiter.js';

/**
 * The error receivers turn into 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo.
 * The delay matters: per the OTLP spec RESOURCE_EXHAUSTED without RetryInfo is
 * not retryable, so senders would drop the data. It is the check interval (the
 * earliest the state can change), at least 1 s so senders do not hammer.
 */
export const refusedError = (checkIntervalMs = 0) =>
  retryableError('data refused due to high memory usage', {
    throttled: true,
    retryAfterMs: Math.max(1000, checkIntervalMs),
  });

export class MemoryLimiterProcessor<S extends Signal> implements Processor<S> {
  constructor(
    private readonly limiter: MemoryLimiter,
    private readonly next: Consumer<S>,
    private readonly onIdle: () => void = () => {},
    /** For counting refused items (the status page); only read when refusing. */
    private readonly signal?: S,
  ) {}

  async start(_host?: Host): Promise<void> {
    this.limiter.start();
  }

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    if (this.limiter.refusing) {
      if (this.signal) this.limiter.refusedItems += countItems(this.signal, data);
      return Promise.reject(refusedError(this.limiter.checkIntervalMs));
    }
    return this.next.consume(data, ctx);
  }

  status(): ComponentStatus {
    return { memoryLimiter: this.limiter.status() };
  }

  async shutdown(): Promise<void> {
    if (this.limiter.stop()) this.onIdle();
  }
}
