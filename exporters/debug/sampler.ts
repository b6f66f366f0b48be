// zap's sampler as the collector configures it: per one-second tick, the first
// `initial` entries pass, then every `thereafter`-th one (0 = none).
export class Sampler {
  private tick = -1;
  private count = 0;

  constructor(
    private readonly initial: number,
    private readonly thereafter: number,
    private readonly now: () => number = Date.now,
  ) {}

  allow(): boolean {
    const t = Math.floor(this.now() / 1000);
    if (t !== this.tick) {
      this.tick = t;
      this.count = 0;
    }
    const n = ++this.count;
    if (n <= this.initial) return true;
    return this.thereafter > 0 && (n - this.initial) % this.thereafter === 0;
  }
}
