import type { ResourceMetrics } from '../../../src/pdata/types.js';
import type { Logger } from '../../../src/telemetry/logger.js';
import type { Procfs } from '../proc/procfs.js';

/** What every scraper gets for a scrape. */
export interface ScrapeContext {
  proc: Procfs;
  nowNs: bigint;
  /** The host's boot time (btime of /proc/stat), in ns: the start of its cumulative sums. */
  bootNs: bigint;
  version: string;
  logger: Logger;
}

export interface Scraper {
  /** Resource metrics (system scrapers: one, with an empty resource; process: one per process). */
  scrape(ctx: ScrapeContext): Promise<ResourceMetrics[]>;
}
