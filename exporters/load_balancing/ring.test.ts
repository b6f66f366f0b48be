import { describe, expect, it } from 'vitest';
import { HashRing, positionsFor } from './ring.js';

// The vectors come from the collector's consistent_hashing_test.go (computed by
// its Go implementation), so a Tsunagi tier and a collector tier agree.
describe('hash ring (the collector loadbalancingexporter ring)', () => {
  it('places an endpoint where the collector does', () => {
    expect([...positionsFor('endpoint-1', 5)].sort((a, b) => a - b)).toEqual([
      1401, 4175, 14133, 17836, 21667,
    ]);
    expect([...positionsFor('endpoint-2', 5)].sort((a, b) => a - b)).toEqual([
      10240, 15002, 21263, 26806, 27020,
    ]);
  });

  it('routes the collector test keys to the collector test endpoints', () => {
    const ring = new HashRing(['endpoint-1', 'endpoint-2']);
    expect(ring.size).toBe(200);
    expect(ring.endpointFor(new Uint8Array([1, 2, 0, 0]))).toBe('endpoint-1');
    expect(ring.endpointFor(new Uint8Array([128, 128, 0, 0]))).toBe('endpoint-2');
    expect(ring.endpointFor('ad-service-7')).toBe('endpoint-1');
    expect(ring.endpointFor('get-recommendations-1')).toBe('endpoint-2');
  });

  it('finds the next position at or after a key, wrapping past the last', () => {
    // positions of the 5-weight ring of the collector test, in order
    const ring = new HashRing(['endpoint-1', 'endpoint-2'], 5);
    expect(ring.endpointAt(0)).toBe('endpoint-1'); // → 1401
    expect(ring.endpointAt(1401)).toBe('endpoint-1');
    expect(ring.endpointAt(1402)).toBe('endpoint-1'); // → 4175
    expect(ring.endpointAt(4176)).toBe('endpoint-2'); // → 10240
    expect(ring.endpointAt(21264)).toBe('endpoint-1'); // → 21667
    expect(ring.endpointAt(27020)).toBe('endpoint-2');
    expect(ring.endpointAt(27021)).toBe('endpoint-1'); // wraps to 1401
    expect(new HashRing([]).endpointFor('x')).toBeUndefined();
  });

  it('keeps the first endpoint of a duplicated list once', () => {
    expect(new HashRing(['endpoint-1', 'endpoint-1'], 5).size).toBe(5);
    expect(new HashRing(['a:4317', 'b:4317']).equals(new HashRing(['a:4317', 'b:4317']))).toBe(true);
    expect(new HashRing(['a:4317', 'b:4317']).equals(new HashRing(['a:4317', 'c:4317']))).toBe(false);
  });

  it('moves only the share of the added endpoint when one joins', () => {
    const before = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317']);
    const after = new HashRing(['10.0.0.1:4317', '10.0.0.2:4317', '10.0.0.3:4317', '10.0.0.4:4317']);
    let moved = 0;
    let wrong = 0;
    const key = new Uint8Array(16);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      new DataView(key.buffer).setUint32(0, i * 2654435761);
      new DataView(key.buffer).setUint32(8, i);
      const a = before.endpointFor(key);
      const b = after.endpointFor(key);
      if (a !== b) {
        moved++;
        if (b !== '10.0.0.4:4317') wrong++; // a key only ever moves to the newcomer
      }
    }
    expect(wrong).toBe(0);
    expect(moved / n).toBeGreaterThan(0.15);
    expect(moved / n).toBeLessThan(0.35);
  });
});
