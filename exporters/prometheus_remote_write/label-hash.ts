// A 64-bit identity of a series' label set (two 32-bit lanes), cheap enough to
// take for every series: each label's hash mixes a hash of its name (computed
// once per plan) with a hash of its value bytes, and a label set's hash is the
// sum of its labels' hashes. A sum does not depend on order, so the labels that
// are the same for many series (a scope's, __name__) are summed once per plan,
// and only the value bytes of the point's own labels are hashed per series.
// Equal label sets always hash equal (a label's name is unique in a set);
// different ones collide with a chance of about 2^-64, and a collision only
// costs the encoder its slower, exact merge pass.

/** The two lanes' hash of a label name (the seeds of its value hashes). */
export function nameSeeds(name: string): [number, number] {
  const b = Buffer.from(name);
  return [fmix(lane1(0x811c9dc5, b, 0, b.length)), fmix(lane2(0x9747b28c, b, 0, b.length))];
}

export function lane1(seed: number, b: Uint8Array, from: number, to: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

export function lane2(seed: number, b: Uint8Array, from: number, to: number): number {
  let h = seed;
  for (let i = from; i < to; i++) {
    h = Math.imul(h ^ b[i], 0x5bd1e995);
    h ^= h >>> 13;
  }
  return h;
}

/** murmur3's finalizer: every input bit reaches every output bit. */
export function fmix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** valueHash's result (two numbers without an array per series). */
export const lanes = { a: 0, b: 0 };

/**
 * Both lanes of a label from its name's seeds and its value's bytes, in one
 * loop over them (the same as fmix(lane1(...)) and fmix(lane2(...))); the result in `lanes`.
 */
export function valueHash(seed1: number, seed2: number, b: Uint8Array, from: number, to: number): void {
  let h1 = seed1;
  let h2 = seed2;
  for (let i = from; i < to; i++) {
    const c = b[i];
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  lanes.a = fmix(h1);
  lanes.b = fmix(h2);
}

/** Both lanes of one label (name and value), as the encoder takes them from the bytes it wrote. */
export function labelHash(name: string, value: string): [number, number] {
  const [s1, s2] = nameSeeds(name);
  const v = Buffer.from(value);
  return [fmix(lane1(s1, v, 0, v.length)), fmix(lane2(s2, v, 0, v.length))];
}
