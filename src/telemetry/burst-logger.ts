// Logs the first of a burst of similar problems, then at most one line per
// window with the count suppressed since, so a flood of bad input or refusals
// neither hides the problem nor fills the disk.
import type { Logger } from './logger.js';

export class BurstLogger {
  private windowStart = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = 10_000,
  ) {}

  warn(msg: string, fields: Record<string, unknown>): void {
    const now = performance.now();
    if (now - this.windowStart < this.windowMs) {
      this.suppressed++;
      return;
    }
    this.windowStart = now;
    const extra = this.suppressed > 0 ? { suppressed_since_last: this.suppressed } : {};
    this.suppressed = 0;
    this.logger.warn({ ...fields, ...extra }, msg);
  }
}
