// Reads an HTTP request body under a byte limit, decompressing gzip/zlib/snappy,
// for every receiver that takes HTTP bodies. The limit holds for the bytes on
// the wire and for the decompressed bytes, so a compression bomb is stopped at
// the limit rather than inflated in memory; and the bytes read and inflated are
// held in the process's in-flight count (decode-admission.ts), so many bodies at
// once (concurrent bombs, a flood of large requests) are refused with 429 before
// they take more memory than the process has.
import type { IncomingMessage } from 'node:http';
import { gunzip, inflate, type ZlibOptions } from 'node:zlib';
import { uncompress as snappyUncompress } from 'snappy';
import { pooledCopy } from '../codec/buffer-pool.js';
import type { InFlightReservation } from './decode-admission.js';

/** The delay suggested when bodies are refused because too many bytes are in flight. */
const BUSY_RETRY_MS = 1000;

export class BodyError extends Error {
  constructor(
    readonly httpStatus: 400 | 413 | 429,
    message: string,
    /** With 429: the delay to suggest (Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function tooLarge(limit: number): BodyError {
  return new BodyError(413, `request body too large: exceeds max_request_body_size of ${limit} bytes`);
}

function busy(): BodyError {
  return new BodyError(
    429,
    'too many request bytes in flight: not enough memory to read this body now; retry later',
    BUSY_RETRY_MS,
  );
}

/**
 * Collects the raw body; rejects with 413 as soon as it passes `limit` bytes, and with 429 when
 * `reservation` cannot hold more. `pooled`: into a codec/buffer-pool.ts buffer, which the caller
 * gives back.
 */
export function readRaw(
  req: IncomingMessage,
  limit: number,
  pooled = false,
  reservation?: InFlightReservation,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err: BodyError) => {
      cleanup();
      // Stop reading; the 413/429 response closes the connection.
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(tooLarge(limit));
      if (reservation && !reservation.grow(chunk.length)) return stop(busy());
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      // always an exact-size copy, even of a single chunk: a socket read's chunk sits in a larger
      // buffer, and the decoded spans keep the body alive until they are exported (lazy decoding);
      // keeping the chunk cost ~10–20 MiB of peak RSS in the OTLP bench (median of 7 runs each), the
      // copy ~3 µs per request
      resolve(pooled ? pooledCopy(chunks, size) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new BodyError(400, `failed to read request body: ${err.message}`));
    };
    const onAborted = () => onError(new Error('client aborted the request'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

type Inflater = (buf: Buffer, opts: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void;

const INFLATERS: Record<string, Inflater> = { gzip: gunzip, zlib: inflate, deflate: inflate };

/** The uncompressed length a snappy block announces (its leading varint), if well formed. */
function snappyLength(buf: Uint8Array): number | undefined {
  let n = 0;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    n += (buf[i] & 0x7f) * 2 ** (7 * i);
    if (buf[i] < 0x80) return n;
  }
  return undefined;
}

/** A snappy block (the collector's `Content-Encoding: snappy`); its announced size is checked first. */
async function unsnappy(buf: Buffer, limit: number, reservation?: InFlightReservation): Promise<Buffer> {
  const n = snappyLength(buf);
  if (n === undefined)
    throw new BodyError(400, 'failed to decompress snappy request body: no valid length header');
  if (n > limit) throw tooLarge(limit);
  if (reservation && !reservation.grow(n)) throw busy();
  try {
    return (await snappyUncompress(buf, { asBuffer: true })) as Buffer;
  } catch (err) {
    throw new BodyError(400, `failed to decompress snappy request body: ${(err as Error).message}`);
  }
}

/** What a first inflate may produce: most telemetry compresses 3–20x; a bomb is stopped here first. */
function firstGuess(compressed: number, limit: number): number {
  return Math.min(limit, Math.max(1024 * 1024, compressed * 32));
}

function inflateOnce(fn: Inflater, buf: Buffer, max: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    fn(buf, { maxOutputLength: Math.max(1, max) }, (err, out) => {
      if (!err) resolve(out);
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') resolve('too large');
      else reject(err);
    });
  });
}

/**
 * Decompresses `buf` (zlib or snappy, off the main thread) without producing more than `limit`
 * bytes. With a `reservation`, the output is held in the in-flight count before it is made: a
 * first try may make what ordinary data inflates to (32x, at least 1 MiB); only a body that
 * inflates further reserves up to `limit` and is inflated again, so a flood of bombs takes
 * turns instead of memory.
 */
export async function decompress(
  enc: string,
  buf: Buffer,
  limit: number,
  reservation?: InFlightReservation,
): Promise<Buffer> {
  if (enc === 'snappy') return unsnappy(buf, limit, reservation);
  const fn = INFLATERS[enc];
  if (!fn) throw new BodyError(400, `unsupported Content-Encoding: ${enc}`);
  const fail = (err: unknown) =>
    new BodyError(400, `failed to decompress ${enc} request body: ${(err as Error).message}`);
  let max = reservation ? firstGuess(buf.length, limit) : limit;
  for (;;) {
    if (reservation && !reservation.grow(max)) throw busy();
    let out: Buffer | 'too large';
    try {
      out = await inflateOnce(fn, buf, max);
    } catch (err) {
      throw fail(err);
    }
    if (out !== 'too large') {
      reservation?.grow(out.length - max);
      return out;
    }
    if (max >= limit) throw tooLarge(limit);
    reservation?.grow(-max);
    max = limit;
  }
}
