// The stanza entry: one log record while it travels through the operators.
// Body/attributes/resource are plain JS values (maps as objects) so operators
// stay cheap; the receiver turns the entry into pdata once at the end.
import { EMPTY_BYTES } from '../pdata/create.js';
import type { Lease } from '../pdata/lazy.js';
import type { LogRecord } from '../pdata/types.js';

/**
 * Records an input encoded itself and hands over as bytes (file_log's byte path for CRI +
 * JSON lines): they leave as a lazily read scope list (src/pdata/lazy.ts), not as objects.
 */
export interface EncodedRecords {
  /**
   * One ScopeLogs field (tag 0x12, length, an empty scope, the records' log_records fields),
   * in a pooled buffer; set when the run is handed over.
   */
  scopeLogs: Uint8Array | undefined;
  /** Records in it. */
  items: number;
  /** Lease of the buffer `scopeLogs` views: the input holds it until its consume() settled. */
  lease: Lease | undefined;
  /** Every record has a valid trace ID (src/pdata/lazy.ts lazyItemsTraced). */
  traced: boolean;
}

export interface Entry {
  body: unknown;
  attributes: Record<string, unknown>;
  /** May be shared between entries (e.g. the container operator's per-file cache) while `resourceShared`. */
  resource: Record<string, unknown>;
  resourceShared: boolean;
  /** Unix nanos; 0n = unset. */
  timestamp: bigint;
  observedTimestamp: bigint;
  severity: number;
  severityText: string;
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceFlags: number;
  scopeName: string;
  /** Acknowledgement bookkeeping of the input that produced the entry (opaque to operators). */
  src: unknown;
  /** Byte offset of the entry's first byte in its source (for checkpoints of held entries). */
  offset: number;
  /**
   * The body continues a line that its input split at max_log_size: it has
   * no header of its own (file_log sets it; the container operator reads it).
   */
  continued?: boolean;
  /**
   * Records the input built itself (file_log's byte path for CRI + JSON lines),
   * a run of them with this entry's resource and scope: the entry stands for
   * them, and its other fields are unused.
   */
  records?: LogRecord[];
  /** Like `records`, but still encoded (see EncodedRecords). */
  encoded?: EncodedRecords;
}

const EMPTY_RESOURCE: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function newEntry(body: unknown, observed: bigint, src: unknown = undefined, offset = 0): Entry {
  return {
    body,
    attributes: {},
    resource: EMPTY_RESOURCE,
    resourceShared: true,
    timestamp: 0n,
    observedTimestamp: observed,
    severity: 0,
    severityText: '',
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceFlags: 0,
    scopeName: '',
    src,
    offset,
  };
}

/** The entry's resource, made private to it before a write. */
export function ownResource(e: Entry): Record<string, unknown> {
  if (e.resourceShared) {
    e.resource = copyMap(e.resource);
    e.resourceShared = false;
  }
  return e.resource;
}

/**
 * A shallow copy that stays cheap to extend. V8 gives a `{ ...o }` copy a map
 * that each later property addition must copy again (about 100x slower than
 * this loop, measured), and entries' maps get keys added by every parser.
 */
export function copyMap(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) out[k] = o[k];
  return out;
}

export function deepCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(deepCopy);
  const o: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) o[k] = deepCopy((v as Record<string, unknown>)[k]);
  return o;
}

export function cloneEntry(e: Entry): Entry {
  return {
    ...e,
    body: deepCopy(e.body),
    attributes: deepCopy(e.attributes) as Record<string, unknown>,
    resource: e.resource,
    resourceShared: true,
  };
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * Sets an own property even when the key is "__proto__" (a plain assignment
 * would change the object's prototype instead): for keys that come from the
 * data (structured data IDs, query parameters, CSV headers read per entry).
 */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}
