// What an aggregating connector (count, span_metrics) hands to the pipelines it
// feeds on its own schedule. Its senders were answered when the connector took
// their data into its state (DESIGN.md: no stage makes a sender wait on a timer
// or on data of its own making), so nobody is left to tell about a refusal of
// the emitted data: each refused emission is logged (a burst as one line) and
// its items counted, and shutdown waits for what is still in flight.
import type { ComponentSettings } from '../component/component.js';
import type { Consumer } from '../component/consumer.js';
import { errorMessage } from '../component/errors.js';
import { countItems } from '../pdata/count.js';
import { ITEM_NAME, type Signal, type SignalDataMap } from '../pdata/signal.js';
import { BurstLogger } from '../telemetry/burst-logger.js';

export class Emitter<S extends Signal> {
  private readonly pending = new Set<Promise<void>>();
  private readonly burst: BurstLogger;
  private readonly sent: (n: number) => void;
  private readonly refused: (n: number) => void;

  constructor(
    settings: ComponentSettings,
    private readonly signal: S,
    private readonly next: Consumer<S>,
  ) {
    this.burst = new BurstLogger(settings.logger);
    const labels = { connector: settings.id };
    const item = ITEM_NAME[signal];
    const sent = settings.metrics.counter(
      `tsunagi_connector_emitted_${item}_total`,
      'Items a connector emitted that the pipelines it feeds accepted.',
      ['connector'],
    );
    const refused = settings.metrics.counter(
      `tsunagi_connector_emit_refused_${item}_total`,
      'Items a connector emitted that the pipelines it feeds refused (logged, not retried).',
      ['connector'],
    );
    this.sent = (n) => n > 0 && sent.inc(labels, n);
    this.refused = (n) => n > 0 && refused.inc(labels, n);
  }

  /** Emissions not yet answered by the pipelines fed. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Hands `data` on without waiting for the answer. */
  emit(data: SignalDataMap[S]): void {
    const n = countItems(this.signal, data);
    if (n === 0) return;
    let p: Promise<void>;
    try {
      p = this.next.consume(data);
    } catch (e) {
      p = Promise.reject(e);
    }
    const tracked = p.then(
      () => this.sent(n),
      (err) => {
        this.refused(n);
        this.burst.warn('Emitted data was refused by the pipelines it feeds; dropped', {
          error: errorMessage(err),
          [ITEM_NAME[this.signal]]: n,
        });
      },
    );
    this.pending.add(tracked);
    tracked.finally(() => this.pending.delete(tracked));
  }

  /** Waits for the emissions in flight, at most until `deadlineAt` (epoch ms). */
  async drain(deadlineAt?: number): Promise<void> {
    if (this.pending.size === 0) return;
    const all = Promise.all(this.pending);
    if (deadlineAt === undefined) {
      await all;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineAt - Date.now()));
    });
    await Promise.race([all, deadline]);
    clearTimeout(timer);
  }
}
