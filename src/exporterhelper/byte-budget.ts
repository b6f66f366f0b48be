// The bytes an exporter's memory queue may hold, whatever its sizer counts:
// requests and items say nothing about memory, and a queue of 1000 requests
// of a few MiB each is gigabytes. Shared by the exporter's signal lanes.

export class ByteBudget {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  size(): number {
    return this.used;
  }

  hasRoom(n: number): boolean {
    return this.used + n <= this.limit;
  }

  take(n: number): void {
    this.used += n;
  }

  give(n: number): void {
    this.used -= n;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `n` fits (block_on_overflow), false if `closed()` turned true meanwhile. */
  async waitForRoom(n: number, closed: () => boolean): Promise<boolean> {
    while (!closed() && !this.hasRoom(n)) await new Promise<void>((r) => this.waiters.push(r));
    return !closed();
  }

  /** Resolves at the next give() or wake(), whether or not that made room. */
  nextChange(): Promise<void> {
    return new Promise<void>((r) => this.waiters.push(r));
  }

  /** Wakes every waiter (shutdown), which then sees closed(). */
  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
