import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConsumerError } from '../../src/component/errors.js';
import { memoryPressure } from '../../src/memory/pressure.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { CollectingConsumer, emptyHost, testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';
import { MemoryLimiter, type MemorySource, processMemory } from './limiter.js';
import { computeLimits, totalMemoryBytes } from './memory.js';
import { MemoryLimiterProcessor } from './processor.js';

const MiB = 1024 * 1024;

class FakeMemory implements MemorySource {
  usedBytes = 0;
  gcs = 0;
  freedByGc = 0;
  t = 0;
  inUse = () => this.usedBytes;
  gc = () => {
    this.gcs++;
    this.usedBytes -= this.freedByGc;
  };
  now = () => this.t;
}

function setup(cfg: Record<string, unknown>) {
  const config = configSchema.parse(cfg);
  const mem = new FakeMemory();
  const lines: { level: string; msg: string }[] = [];
  const logger = silentLogger();
  logger.warn = ((_o: unknown, msg: string) => lines.push({ level: 'warn', msg })) as any;
  logger.info = ((_o: unknown, msg: string) => lines.push({ level: 'info', msg })) as any;
  const limiter = new MemoryLimiter(
    computeLimits(config),
    config.check_interval,
    { soft: config.min_gc_interval_when_soft_limited, hard: config.min_gc_interval_when_hard_limited },
    logger,
    mem,
  );
  const next = new CollectingConsumer<'logs'>();
  const p = new MemoryLimiterProcessor(limiter, next);
  return { mem, limiter, next, p, lines };
}

const empty = { resourceLogs: [] };

describe('memory_limiter config', () => {
  it('accepts the collector fixture', () => {
    const raw = parse(
      readFileSync(`${CONFORMANCE_DIR}collector-configs/memorylimiterprocessor.yaml`, 'utf8'),
    );
    expect(configSchema.parse(raw)).toMatchObject({
      check_interval: 5000,
      limit_mib: 4000,
      spike_limit_mib: 500,
    });
  });

  it.each([
    [{ limit_mib: 100 }, "'check_interval' must be greater than zero"],
    [{ check_interval: '1s' }, "'limit_mib' or 'limit_percentage' must be greater than zero"],
    [
      { check_interval: '1s', limit_mib: 100, spike_limit_mib: 100 },
      "'spike_limit_mib' must be smaller than 'limit_mib'",
    ],
    [{ check_interval: '1s', limit_percentage: 101 }, 'less than or equal to hundred'],
    [
      { check_interval: '1s', limit_percentage: 50, spike_limit_percentage: 60 },
      "'spike_limit_percentage' must be smaller than 'limit_percentage'",
    ],
  ])('rejects %j', (cfg, message) => {
    expect(() => configSchema.parse(cfg)).toThrow(message);
  });

  it('computes the limits the way the README examples do', () => {
    const l1 = computeLimits(
      configSchema.parse({ check_interval: '1s', limit_mib: 4000, spike_limit_mib: 800 }),
    );
    expect([l1.hardBytes / MiB, l1.softBytes / MiB]).toEqual([4000, 3200]);
    const l2 = computeLimits(
      configSchema.parse({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 15 }),
      () => 1000 * MiB,
    );
    expect([l2.hardBytes / MiB, l2.softBytes / MiB]).toEqual([800, 650]);
    // spike defaults to 20% of the limit; limit_mib wins over the percentage
    const l3 = computeLimits(
      configSchema.parse({ check_interval: '1s', limit_mib: 1000, limit_percentage: 10 }),
      () => 1,
    );
    expect([l3.hardBytes / MiB, l3.softBytes / MiB]).toEqual([1000, 800]);
  });

  it('takes the cgroup limit (v2, then v1) and caps it at the machine memory', () => {
    const files: Record<string, number | undefined> = { '/sys/fs/cgroup/memory.max': 512 * MiB };
    expect(totalMemoryBytes((p) => files[p], 4096 * MiB)).toBe(512 * MiB);
    expect(totalMemoryBytes((p) => (p.endsWith('limit_in_bytes') ? 256 * MiB : undefined), 4096 * MiB)).toBe(
      256 * MiB,
    );
    expect(totalMemoryBytes(() => undefined, 4096 * MiB)).toBe(4096 * MiB);
  });
});

describe('memory_limiter processor', () => {
  it('passes data below the soft limit and refuses (retryable, throttled) above it', async () => {
    const { mem, limiter, next, p, lines } = setup({
      check_interval: '1h',
      limit_mib: 100,
      spike_limit_mib: 20,
    });
    mem.usedBytes = 50 * MiB;
    await p.start(emptyHost);
    await p.consume(empty);
    expect(next.received).toHaveLength(1);

    mem.usedBytes = 85 * MiB;
    limiter.check();
    const err = await p.consume(empty).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err).toMatchObject({
      retryable: true,
      throttled: true,
      message: 'data refused due to high memory usage',
    });
    limiter.check();
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1); // transition logged once
    expect(mem.gcs).toBe(0);

    mem.usedBytes = 40 * MiB;
    limiter.check();
    await p.consume(empty);
    expect(next.received).toHaveLength(2);
    expect(lines.at(-1)?.msg).toMatch(/Resuming normal operation/);
    await p.shutdown();
  });

  it('forces a GC above the hard limit and re-measures', async () => {
    const { mem, limiter, p } = setup({ check_interval: '1h', limit_mib: 100, spike_limit_mib: 20 });
    mem.usedBytes = 120 * MiB;
    mem.freedByGc = 60 * MiB;
    await p.start(emptyHost);
    expect(mem.gcs).toBe(1);
    expect(limiter.current).toBe('normal');
    mem.usedBytes = 120 * MiB;
    mem.freedByGc = 0;
    limiter.check();
    expect(mem.gcs).toBe(2);
    expect(limiter.current).toBe('hard');
    await expect(p.consume(empty)).rejects.toMatchObject({ throttled: true });
    await p.shutdown();
  });

  it('forces a GC in the soft band once min_gc_interval_when_soft_limited passed, and recovers on it', async () => {
    // the collector's TestCallGCWhenSoftLimit: the first GC is due one interval after start
    const { mem, limiter, p, lines } = setup({
      check_interval: '1s',
      limit_mib: 100,
      spike_limit_mib: 20,
      min_gc_interval_when_soft_limited: '10s',
    });
    mem.usedBytes = 90 * MiB; // soft band: garbage left by a burst that is over
    mem.freedByGc = 50 * MiB;
    await p.start(emptyHost);
    expect(mem.gcs).toBe(0);
    expect(limiter.current).toBe('soft');
    mem.t = 5_000;
    limiter.check();
    expect(mem.gcs).toBe(0); // not yet: the interval is a minimum
    mem.t = 10_001;
    limiter.check();
    expect(mem.gcs).toBe(1);
    expect(limiter.current).toBe('normal');
    await p.consume(empty);
    expect(lines.at(-1)?.msg).toMatch(/Resuming normal operation/);
    await p.shutdown();
  });

  it('tells the receivers its state and hard limit while it runs (src/memory/pressure.ts)', async () => {
    const { mem, limiter, p } = setup({ check_interval: '1h', limit_mib: 100, spike_limit_mib: 20 });
    mem.usedBytes = 10 * MiB;
    expect(memoryPressure().hardLimitBytes).toBe(Number.POSITIVE_INFINITY);
    await p.start(emptyHost);
    expect(memoryPressure()).toMatchObject({ refusing: false, hardLimitBytes: 100 * MiB });
    mem.usedBytes = 85 * MiB;
    limiter.check();
    expect(memoryPressure()).toMatchObject({ refusing: true, retryAfterMs: 3_600_000 });
    await p.shutdown();
    expect(memoryPressure()).toMatchObject({ refusing: false, hardLimitBytes: Number.POSITIVE_INFINITY });
  });

  it('measures what Tsunagi can free (V8 heap + external), not the RSS', async () => {
    // Buffers count while referenced and stop counting once collected; the RSS keeps freed
    // native memory (the allocator's), which made the limiter refuse long after a burst.
    const before = processMemory.inUse();
    let held: Buffer[] | undefined = Array.from({ length: 32 }, () => Buffer.alloc(1024 * 1024, 1));
    expect(processMemory.inUse() - before).toBeGreaterThanOrEqual(30 * MiB);
    expect(held.length).toBe(32);
    held = undefined;
    // V8 frees ArrayBuffer memory on a background thread after the GC: a bounded poll
    for (let i = 0; i < 40 && processMemory.inUse() - before >= 8 * MiB; i++) {
      processMemory.gc();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(processMemory.inUse() - before).toBeLessThan(8 * MiB);
  });

  it('factory builds a working processor that shares one limiter per ID', async () => {
    const config = factory.configSchema.parse({ check_interval: '1s', limit_mib: 1_000_000 });
    const next = new CollectingConsumer<'logs'>();
    const a = factory.create(testSettings('memory_limiter', 'processor'), config, 'logs', next);
    const b = factory.create(
      testSettings('memory_limiter', 'processor'),
      config,
      'traces',
      new CollectingConsumer(),
    );
    await a.start(emptyHost);
    await b.start(emptyHost);
    await a.consume(empty);
    expect(next.received).toHaveLength(1);
    await a.shutdown();
    await b.shutdown();
  });
});
