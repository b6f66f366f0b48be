// Lazily decoded scope lists. A receiver that got protobuf can leave the scope
// list of a ResourceSpans/ResourceLogs as the (already validated) wire bytes:
// the list is decoded on first read, and an encoder writes the original bytes
// back while nobody has read it. Reading is the only way to change pdata, so
// "never read" means "unchanged": a processor that touches the spans or logs
// gets them decoded, and from then on the encoder encodes them again. Resource
// and schema URL stay eager (processors read them often, and they are cheap).
//
// The wire bytes may sit in a buffer that goes back to a pool for reuse (a
// receiver's request body): such an entry carries the buffer's Lease, and
// whoever keeps the data past the consume() call that handed it over holds the
// lease meanwhile (src/pdata/hold.ts). Decoding copies the bytes out first, so
// decoded items never point into a pooled buffer, and touching an entry whose
// lease was already let go throws instead of reading reused memory.

/** A reference count on a pooled buffer: given back for reuse when the last holder releases it. */
export interface Lease {
  hold(): void;
  release(): void;
  /** False once the buffer was given back: its bytes may belong to someone else now. */
  readonly live: boolean;
}

/** What a lazy entry keeps until its list is read. */
interface Pending {
  /** The scope list exactly as on the wire: field tags, lengths and payloads. */
  raw: Uint8Array[];
  /** Items (spans, log records) in the list, counted while validating. */
  items: number;
  /** Set when `raw` is a view of a pooled buffer. */
  lease: Lease | undefined;
  /** Every item carries a valid trace ID (its producer wrote them: file_log's byte path). */
  traced: boolean;
}

const pending = new WeakMap<object, Pending>();

/**
 * Defines `entry[key]` as a list decoded from `raw` on first access (or replaced
 * on first assignment). `decode` must not fail: `raw` was validated beforehand.
 * `lease`: `raw` views a pooled buffer (see above). `traced`: the producer knows every item
 * has a valid trace ID (lazyItemsTraced), so a processor that links trace context can pass it
 * over without decoding it.
 */
export function defineLazyList<T>(
  entry: object,
  key: string,
  raw: Uint8Array[],
  items: number,
  decode: (raw: Uint8Array[]) => T[],
  lease?: Lease,
  traced = false,
): void {
  const p: Pending = { raw, items, lease, traced };
  pending.set(entry, p);
  const settle = (self: object, value: T[]): T[] => {
    pending.delete(self);
    Object.defineProperty(self, key, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(entry, key, {
    enumerable: true,
    configurable: true,
    get(this: object): T[] {
      return settle(this, decode(lease ? copyOut(p) : raw));
    },
    set(this: object, value: T[]) {
      settle(this, value);
    },
  });
}

/** `p.raw` copied into one unpooled buffer (as views of it), so decoded items outlive the lease. */
function copyOut(p: Pending): Uint8Array[] {
  checkLive(p);
  let n = 0;
  for (const r of p.raw) n += r.length;
  const copy = new Uint8Array(n);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const r of p.raw) {
    copy.set(r, at);
    out.push(copy.subarray(at, at + r.length));
    at += r.length;
  }
  return out;
}

function checkLive(p: Pending): void {
  if (p.lease && !p.lease.live)
    throw new Error('pdata read after its pooled buffer was given back (a lease was released too early)');
}

/** The original wire bytes of an entry's scope list, if it was never read. */
export function rawList(entry: object): Uint8Array[] | undefined {
  const p = pending.get(entry);
  if (p) checkLive(p);
  return p?.raw;
}

/** The item count of an entry whose scope list was never read (undefined otherwise). */
export function lazyItemCount(entry: object): number | undefined {
  return pending.get(entry)?.items;
}

/** The lease of an entry whose scope list was never read and views a pooled buffer. */
export function leaseOf(entry: object): Lease | undefined {
  return pending.get(entry)?.lease;
}

/**
 * True when the entry's scope list was never read and its producer vouched that every item
 * in it has a valid (16-byte, not all-zero) trace ID. False says nothing: read the items.
 */
export function lazyItemsTraced(entry: object): boolean {
  return pending.get(entry)?.traced === true;
}
