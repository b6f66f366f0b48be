// Reading what a backend answers, without letting it decide how much memory
// that takes. An exporter needs a few bytes of an answer (a partial success, an
// error message), so at most MAX_RESPONSE_BYTES are kept and the rest is
// dropped unread: a backend that answered 200 with a 200 MiB body took the
// process from 89 to 1163 MiB (and a 400 with 100 MiB to 332 MiB) when whole
// bodies were read. Every exporter and the Kubernetes client read answers here;
// an answer that carries data the caller needs in full (an Elasticsearch _bulk
// result per document, a Kubernetes list) passes its own, larger cap.
import type { Dispatcher } from 'undici';

/** What an exporter keeps of a response body. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface CappedBody {
  /** The first bytes of the body, at most the cap. */
  bytes: Buffer;
  /** The body was longer than the cap (the rest was not kept). */
  truncated: boolean;
}

type Body = Dispatcher.ResponseData['body'];

/**
 * Reads at most `max` bytes of an undici response body. When the body is longer, the rest is
 * not read: the body is destroyed (the connection closes rather than downloading the rest).
 */
export async function readCapped(body: Body, max = MAX_RESPONSE_BYTES): Promise<CappedBody> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = max - size;
    if (chunk.length > room) {
      if (room > 0) parts.push(chunk.subarray(0, room));
      size = max;
      body.destroy();
      return { bytes: Buffer.concat(parts, size), truncated: true };
    }
    parts.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(parts, size), truncated: false };
}

/** The first `max` bytes of a body as text (UTF-8; a character cut at the end is replaced). */
export async function readCappedText(body: Body, max = MAX_RESPONSE_BYTES): Promise<string> {
  return (await readCapped(body, max)).bytes.toString('utf8');
}

/**
 * Discards a body the caller does not need, reading at most `max` bytes of it so the connection
 * can be reused; a longer body closes the connection instead.
 */
export async function discardBody(body: Body, max = MAX_RESPONSE_BYTES): Promise<void> {
  await readCapped(body, max).catch(() => undefined);
}
