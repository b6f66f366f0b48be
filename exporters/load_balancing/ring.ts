// The collector's consistent-hash ring (loadbalancingexporter
// consistent_hashing.go), so a Tsunagi tier and a collector tier send a key to
// the same backend for the same endpoint list: each endpoint gets 100
// positions on a ring of 36000, position i = crc32(endpoint bytes ‖ byte(i))
// mod 36000 (IEEE CRC-32); a position already taken by an earlier endpoint of
// the list is skipped; a key goes to the first position at or after
// crc32(key) mod 36000, wrapping to the first one.
import { crc32 } from 'node:zlib';

export const RING_POSITIONS = 36_000;
export const POSITIONS_PER_ENDPOINT = 100;

const utf8 = new TextEncoder();

/** The ring positions of an endpoint, in order of i (duplicates included, as the collector computes them). */
export function positionsFor(endpoint: string, weight: number): number[] {
  const name = utf8.encode(endpoint);
  const buf = new Uint8Array(name.length + 1);
  buf.set(name);
  const out: number[] = [];
  for (let i = 0; i < weight; i++) {
    buf[name.length] = i & 0xff; // Go's byte(i)
    out.push(crc32(buf) % RING_POSITIONS);
  }
  return out;
}

export class HashRing {
  /** Ring positions, ascending, and the endpoint at each. */
  private readonly positions: Uint32Array;
  private readonly owners: string[];

  /**
   * `endpoints` in the resolver's order (sorted): it decides who keeps a contested
   * position. `weight`: positions per endpoint (the collector's is fixed at 100).
   */
  constructor(
    readonly endpoints: readonly string[],
    weight = POSITIONS_PER_ENDPOINT,
  ) {
    const taken = new Map<number, string>();
    for (const endpoint of endpoints)
      for (const pos of positionsFor(endpoint, weight)) if (!taken.has(pos)) taken.set(pos, endpoint);
    const sorted = [...taken.keys()].sort((a, b) => a - b);
    this.positions = Uint32Array.from(sorted);
    this.owners = sorted.map((p) => taken.get(p) as string);
  }

  get size(): number {
    return this.positions.length;
  }

  /** The endpoint owning `key` (its bytes as the collector hashes them), or undefined on an empty ring. */
  endpointFor(key: Uint8Array | string): string | undefined {
    return this.endpointAt(crc32(key) % RING_POSITIONS);
  }

  /** The owner of the first position at or after `pos` (wrapping). */
  endpointAt(pos: number): string | undefined {
    const n = this.positions.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === n ? 0 : lo];
  }

  /** Same positions and owners (an unchanged backend list: nothing to rebuild). */
  equals(other: HashRing | undefined): boolean {
    if (!other || other.positions.length !== this.positions.length) return false;
    for (let i = 0; i < this.positions.length; i++)
      if (this.positions[i] !== other.positions[i] || this.owners[i] !== other.owners[i]) return false;
    return true;
  }
}
