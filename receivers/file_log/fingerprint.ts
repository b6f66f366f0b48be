// File identity: the first `fingerprint_size` bytes. A file whose content
// starts with a known fingerprint is that file (renamed, or grown since).

/** True when `fp` (the file's current first bytes) starts with `known` (non-empty). */
export function sameFile(fp: Uint8Array, known: Uint8Array): boolean {
  if (known.length === 0 || fp.length < known.length) return false;
  return Buffer.compare(fp.subarray(0, known.length), known) === 0;
}

export function hasNul(b: Uint8Array): boolean {
  return b.indexOf(0) >= 0;
}
