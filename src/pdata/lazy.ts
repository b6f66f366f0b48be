// Lazily decoded scope lists. A receiver that got protobuf can leave the scope
// list of a ResourceSpans/ResourceLogs as the (already validated) wire bytes:
// the list is decoded on first read, and an encoder writes the original bytes
// back while nobody has read it. Reading is the only way to change pdata, so
// "never read" means "unchanged": a processor that touches the spans or logs
// gets them decoded, and from then on the encoder encodes them again. Resource
// and schema URL stay eager (processors read them often, and they are cheap).

/** What a lazy entry keeps until its list is read. */
interface Pending {
  /** The scope list exactly as on the wire: field tags, lengths and payloads. */
  raw: Uint8Array[];
  /** Items (spans, log records) in the list, counted while validating. */
  items: number;
}

const pending = new WeakMap<object, Pending>();

/**
 * Defines `entry[key]` as a list decoded from `raw` on first access (or replaced
 * on first assignment). `decode` must not fail: `raw` was validated beforehand.
 */
export function defineLazyList<T>(
  entry: object,
  key: string,
  raw: Uint8Array[],
  items: number,
  decode: (raw: Uint8Array[]) => T[],
): void {
  pending.set(entry, { raw, items });
  const settle = (self: object, value: T[]): T[] => {
    pending.delete(self);
    Object.defineProperty(self, key, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(entry, key, {
    enumerable: true,
    configurable: true,
    get(this: object): T[] {
      return settle(this, decode(raw));
    },
    set(this: object, value: T[]) {
      settle(this, value);
    },
  });
}

/** The original wire bytes of an entry's scope list, if it was never read. */
export function rawList(entry: object): Uint8Array[] | undefined {
  return pending.get(entry)?.raw;
}

/** The item count of an entry whose scope list was never read (undefined otherwise). */
export function lazyItemCount(entry: object): number | undefined {
  return pending.get(entry)?.items;
}
