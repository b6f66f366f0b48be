// File identity: the first `fingerprint_size` bytes. A file whose content
// starts with a known fingerprint is that file (renamed, or grown since).
import { type FileHandle, open } from 'node:fs/promises';

/** True when `fp` (the file's current first bytes) starts with `known` (non-empty). */
export function sameFile(fp: Uint8Array, known: Uint8Array): boolean {
  if (known.length === 0 || fp.length < known.length) return false;
  return Buffer.compare(fp.subarray(0, known.length), known) === 0;
}

export function hasNul(b: Uint8Array): boolean {
  return b.indexOf(0) >= 0;
}

/** The first `n` bytes of the file at `path`; undefined if it cannot be read. */
export async function readPathFingerprint(path: string, n: number): Promise<Buffer | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    return await readFingerprint(fh, n);
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** The first `n` bytes of an open file (fewer if it is shorter). */
export async function readFingerprint(fh: FileHandle, n: number): Promise<Buffer> {
  if (n <= 0) return Buffer.alloc(0);
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, 0);
  return bytesRead === n ? b : b.subarray(0, bytesRead);
}
