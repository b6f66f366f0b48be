// What every protocol does with a decoded message: translate, count, hand to
// the pipeline; and what it does with a bad one: count it refused and log it
// once per burst, so a flood of garbage neither stops the receiver nor the disk.
import type { ComponentSettings } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import { countSpans } from '../../src/pdata/count.js';
import { BurstLogger } from '../../src/telemetry/burst-logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';
import { JaegerDecodeError, type JBatch } from '../../src/translator/jaeger/model.js';
import { jaegerToTraces } from '../../src/translator/jaeger/to-otlp.js';

export type Transport = 'udp_thrift_compact' | 'udp_thrift_binary' | 'collector_http' | 'grpc';

export class Ingest {
  readonly metrics: ReceiverMetrics;
  private readonly badInput: BurstLogger;
  private readonly failures: BurstLogger;

  constructor(
    settings: ComponentSettings,
    readonly transport: Transport,
    private readonly next: Consumer<'traces'>,
  ) {
    this.metrics = settings.metrics.receiver(settings.id, transport);
    this.badInput = new BurstLogger(settings.logger);
    this.failures = new BurstLogger(settings.logger);
  }

  /** Translates and forwards; resolves when the pipeline accepted, rejects with the pipeline's error. */
  async push(batch: JBatch, ctx?: RequestContext): Promise<void> {
    const td = jaegerToTraces([batch]);
    const n = countSpans(td);
    try {
      await this.next.consume(td, ctx);
    } catch (err) {
      this.metrics.refused('traces', n, err);
      this.failures.warn('Jaeger spans refused by the pipeline', {
        transport: this.transport,
        spans: n,
        error: errorMessage(err),
      });
      throw err;
    }
    this.metrics.accepted('traces', n);
  }

  /**
   * A message that does not decode: refused with the span count it announced
   * (at least 1, so that an unreadable message is visible in the counter).
   */
  bad(err: unknown, peer?: string): void {
    const spans = err instanceof JaegerDecodeError ? err.spanCount : 0;
    this.metrics.refused('traces', Math.max(1, spans), err);
    this.badInput.warn('Bad Jaeger input refused', {
      transport: this.transport,
      peer,
      error: errorMessage(err),
    });
  }
}
