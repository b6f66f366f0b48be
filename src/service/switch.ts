// Indirections that let a hot reload rewire a running graph without touching
// the components on either side.
import type { Consumer, RequestContext } from '../component/consumer.js';
import { retryableError } from '../component/errors.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';

/**
 * What a receiver is created with instead of its fan-out: a reload that keeps
 * the receiver points the switch at the next graph's pipelines. A request
 * already past the switch finishes in the pipelines it entered.
 */
export class SwitchConsumer<S extends Signal> implements Consumer<S> {
  constructor(public target: Consumer<S>) {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    return this.target.consume(data, ctx);
  }
}

/**
 * Holds what is sent to an exporter that is not started yet (a persistent
 * queue handed over from the instance it replaces): the calls go through once
 * it opens, or are refused as retryable if the new instance could not start.
 * Senders wait only as long as the old instance takes to stop; no timer here.
 */
export class Gate {
  private state: 'closed' | 'open' | 'failed' = 'closed';
  private failure = '';
  private readonly waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(readonly id: string) {}

  get isOpen(): boolean {
    return this.state === 'open';
  }

  pass<T>(call: () => Promise<T>): Promise<T> {
    if (this.state === 'open') return call();
    if (this.state === 'failed') return Promise.reject(this.refusal());
    return new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject })).then(call);
  }

  open(): void {
    this.state = 'open';
    for (const w of this.waiting.splice(0)) w.resolve();
  }

  fail(why: string): void {
    this.state = 'failed';
    this.failure = why;
    for (const w of this.waiting.splice(0)) w.reject(this.refusal());
  }

  private refusal() {
    return retryableError(`exporter ${this.id} did not start after the reload: ${this.failure}`);
  }
}
