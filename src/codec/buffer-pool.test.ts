import { describe, expect, it } from 'vitest';
import { capacityFor, giveBuffer, idlePoolBytes, POOL_MIN, takeBuffer } from './buffer-pool.js';

describe('buffer pool', () => {
  it('gives a returned buffer out again for a size of the same class, once', () => {
    const a = takeBuffer(300_000);
    expect(a.length).toBe(300_000);
    const ab = a.buffer;
    const idle = idlePoolBytes();
    giveBuffer(a.subarray(10)); // any view of it
    expect(idlePoolBytes()).toBe(idle + capacityFor(300_000));
    giveBuffer(a); // a second give is ignored
    expect(idlePoolBytes()).toBe(idle + capacityFor(300_000));
    const b = takeBuffer(290_000); // same class
    expect(b.buffer).toBe(ab);
    expect(b.length).toBe(290_000);
    const c = takeBuffer(290_000); // the only idle one is taken: a new one
    expect(c.buffer).not.toBe(ab);
  });

  it('leaves small buffers and buffers it did not make alone', () => {
    const idle = idlePoolBytes();
    const small = takeBuffer(POOL_MIN - 1);
    giveBuffer(small);
    giveBuffer(Buffer.allocUnsafe(200_000));
    giveBuffer(new Uint8Array(100_000));
    expect(idlePoolBytes()).toBe(idle);
  });

  it('rounds capacities up by at most a quarter', () => {
    for (const n of [POOL_MIN, 65_537, 100_000, 131_071, 500_000, 1 << 20, 3_000_001]) {
      const cap = capacityFor(n);
      expect(cap).toBeGreaterThanOrEqual(n);
      expect(cap).toBeLessThanOrEqual(n * 1.25);
    }
  });

  it('keeps at most 32 MiB idle', () => {
    const bufs = Array.from({ length: 20 }, () => takeBuffer(4 << 20));
    for (const b of bufs) giveBuffer(b);
    expect(idlePoolBytes()).toBeLessThanOrEqual(32 << 20);
    for (let i = 0; i < 20; i++) takeBuffer(4 << 20); // drain what was kept
  });
});
