import type { ProcessorFactory } from '../../src/component/component.js';
import { configSchema, type MemoryLimiterConfig } from './config.js';
import { MemoryLimiter } from './limiter.js';
import { computeLimits } from './memory.js';
import { MemoryLimiterProcessor } from './processor.js';

// One limiter (one timer, one state) per component ID, shared by every
// pipeline that lists it, as in the collector.
const limiters = new Map<string, MemoryLimiter>();

export const factory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  description: 'Refuses data (retryable, throttled) while the process memory is above the soft limit',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  // Passes data through untouched.
  mutatesData: false,
  create(settings, config, signal, next) {
    let limiter = limiters.get(settings.id);
    if (!limiter) {
      limiter = new MemoryLimiter(
        computeLimits(config),
        config.check_interval,
        { soft: config.min_gc_interval_when_soft_limited, hard: config.min_gc_interval_when_hard_limited },
        settings.logger,
      );
      limiters.set(settings.id, limiter);
    }
    const shared = limiter;
    // Forget the limiter once every pipeline using it shut down (a reload may bring a new config).
    return new MemoryLimiterProcessor(
      shared,
      next,
      () => {
        if (limiters.get(settings.id) === shared) limiters.delete(settings.id);
      },
      signal,
    );
  },
};
