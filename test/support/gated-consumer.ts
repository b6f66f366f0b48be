// A consumer for receiver tests: records data and context, can be told to
// reject, and can hold its answer until released (to see the ack wait).
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { holdData } from '../../src/pdata/hold.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';

export class TestConsumer<S extends Signal> implements Consumer<S> {
  readonly received: SignalDataMap[S][] = [];
  readonly contexts: (RequestContext | undefined)[] = [];
  calls = 0;
  failWith: Error | undefined;
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Makes the next consume() calls wait until open() is called. */
  hold(): void {
    this.gate = new Promise((r) => {
      this.release = r;
    });
  }

  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  reset(): void {
    this.received.length = 0;
    this.contexts.length = 0;
    this.calls = 0;
    this.failWith = undefined;
    this.open();
  }

  async consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    holdData(data); // kept for the test's lifetime: never released
    this.received.push(data);
    this.contexts.push(ctx);
  }
}

/** Polls `cond` every few ms until true; throws after `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
