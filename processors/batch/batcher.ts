// One batcher: the pending batch for one metadata combination, its timer, and
// the tickets of the consume() calls whose data it holds.
import type { RequestContext } from '../../src/component/consumer.js';
import type { SignalOps } from './split.js';
import type { Ticket } from './ticket.js';

export type Trigger = 'size' | 'timeout' | 'shutdown';

export interface BatcherOptions {
  sendBatchSize: number;
  /** 0 = no cap */
  maxSize: number;
  timeoutMs: number;
  ops: SignalOps<unknown>;
  /** Sends one batch downstream; the returned promise is the downstream ack. */
  send(data: unknown, items: number, trigger: Trigger, ctx: RequestContext | undefined): Promise<void>;
}

export class Batcher {
  private entries: unknown[] = [];
  private items = 0;
  private tickets: Ticket[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly opts: BatcherOptions,
    private readonly ctx: RequestContext | undefined,
  ) {}

  /** Adds the data of one consume() call; flushes on size (and at once when timeout is 0). */
  add(data: unknown, ticket: Ticket): void {
    const { ops, maxSize } = this.opts;
    for (let entry of ops.entries(data)) {
      let c = ops.count(entry);
      while (maxSize > 0 && this.items + c > maxSize) {
        const room = maxSize - this.items;
        if (room > 0) {
          const [head, tail] = ops.split(entry, room);
          this.push(head, room, ticket);
          entry = tail;
          c -= room;
        }
        this.flush('size');
      }
      this.push(entry, c, ticket);
    }
    if (this.entries.length === 0) return;
    if (this.items >= this.opts.sendBatchSize || this.opts.timeoutMs === 0) {
      this.flush(this.opts.timeoutMs === 0 && this.items < this.opts.sendBatchSize ? 'timeout' : 'size');
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush('timeout');
      }, this.opts.timeoutMs);
    }
  }

  private push(entry: unknown, items: number, ticket: Ticket): void {
    this.entries.push(entry);
    this.items += items;
    if (this.tickets[this.tickets.length - 1] !== ticket) {
      this.tickets.push(ticket);
      ticket.join();
    }
  }

  /** Sends the pending batch (if any); its tickets are answered by the downstream ack. */
  flush(trigger: Trigger): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.entries.length === 0) return;
    const data = this.opts.ops.wrap(this.entries);
    const items = this.items;
    const tickets = this.tickets;
    this.entries = [];
    this.items = 0;
    this.tickets = [];
    let p: Promise<void>;
    try {
      p = this.opts.send(data, items, trigger, this.ctx);
    } catch (err) {
      p = Promise.reject(err);
    }
    const done = p.then(
      () => {
        for (const t of tickets) t.accepted();
      },
      (err) => {
        for (const t of tickets) t.failed(err);
      },
    );
    this.inflight.add(done);
    done.finally(() => this.inflight.delete(done));
  }

  isIdle(): boolean {
    return this.entries.length === 0 && this.inflight.size === 0;
  }

  /** Flushes what is pending and waits for every batch in flight to be answered. */
  async drain(): Promise<void> {
    this.flush('shutdown');
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }
}
