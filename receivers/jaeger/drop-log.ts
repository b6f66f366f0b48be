// Agent UDP datagrams dropped because the receive queue is full are counted
// (otelcol_receiver_jaeger_udp_dropped_datagrams_total) and logged: the
// first drop at once, then at most one line per window with how many more
// were dropped in it, so an overloaded agent port is visible in the logs
// without one line per datagram. The last window is reported at shutdown.
import type { Logger } from '../../src/telemetry/logger.js';

export class DropLog {
  private pending = 0;
  private window: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly fields: Record<string, unknown>,
    private readonly windowMs = 10_000,
  ) {}

  drop(n: number): void {
    if (this.window) {
      this.pending += n;
      return;
    }
    this.logger.warn(
      { ...this.fields, dropped: n },
      'Jaeger UDP datagrams dropped: the receive queue is full (raise queue_size or workers)',
    );
    this.openWindow();
  }

  private openWindow(): void {
    this.window = setTimeout(() => {
      this.window = undefined;
      if (this.pending > 0) {
        this.report();
        this.openWindow(); // still dropping: keep the rate at one line per window
      }
    }, this.windowMs);
    this.window.unref();
  }

  private report(): void {
    this.logger.warn(
      { ...this.fields, dropped: this.pending, window_ms: this.windowMs },
      'Jaeger UDP datagrams dropped: the receive queue is full (raise queue_size or workers)',
    );
    this.pending = 0;
  }

  /** Reports what the current window counted and stops the timer. */
  close(): void {
    if (this.window) clearTimeout(this.window);
    this.window = undefined;
    if (this.pending > 0) this.report();
  }
}
