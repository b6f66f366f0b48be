// A log record whose attributes are still the plain JS map a stanza parser
// built. Turning every line's map into KeyValue/AnyValue objects cost more
// than parsing the line (and most of the agent's GC), while usually nobody
// reads them before the exporter: the map is converted on first read of
// `attributes`, and the protobuf encoder writes it directly while it was
// never read (codec/proto-plain.ts). Writing `attributes` replaces the map.
import { toAnyValue } from './attributes.js';
import { EMPTY_BYTES } from './create.js';
import type { AnyValue, KeyValue, LogRecord } from './types.js';

/** toAnyValue over a map; undefined values are left out (as parsers mean "absent"). */
export function toKeyValues(m: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key in m) {
    const v = m[key];
    if (v !== undefined) out.push({ key, value: toAnyValue(v) });
  }
  return out;
}

export class PlainLogRecord implements LogRecord {
  timeUnixNano = 0n;
  observedTimeUnixNano = 0n;
  severityNumber = 0;
  severityText = '';
  body: AnyValue = {};
  droppedAttributesCount = 0;
  flags = 0;
  traceId: Uint8Array = EMPTY_BYTES;
  spanId: Uint8Array = EMPTY_BYTES;
  eventName = '';
  /** The attribute map while `attributes` was never read (then undefined). */
  plain: Record<string, unknown> | undefined;
  private list: KeyValue[] | undefined = undefined;

  constructor(attributes: Record<string, unknown>) {
    this.plain = attributes;
  }

  get attributes(): KeyValue[] {
    if (this.list === undefined) {
      this.list = toKeyValues(this.plain ?? {});
      this.plain = undefined;
    }
    return this.list;
  }

  set attributes(list: KeyValue[]) {
    this.list = list;
    this.plain = undefined;
  }
}

/** The never-read attribute map of a record, if it has one. */
export function plainAttributes(r: LogRecord): Record<string, unknown> | undefined {
  return r instanceof PlainLogRecord ? r.plain : undefined;
}
