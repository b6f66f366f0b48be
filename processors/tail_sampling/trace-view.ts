// TraceView implementations: over held runs (the processor), and over a request
// (tests, and anything holding pdata rather than runs).
import { decodeTraces, encodeTraces } from '../../src/codec/otlp-proto.js';
import type { Resource, TracesData } from '../../src/pdata/types.js';
import type { TraceView } from './policies/types.js';
import { scanScopeList } from './wire.js';
import { eachSpan, WireSpan } from './wire-span.js';

/** Spans received together: their resource and their span fields (tag 0x12, length, message), back to back. */
export interface Segment {
  resource: Resource;
  spans: Uint8Array;
}

const cursor = new WireSpan();

export class SegmentTraceView implements TraceView {
  private segs: Segment[] | undefined;
  private decoded: TracesData | undefined;
  private id: Uint8Array | undefined;

  /** `id`: the trace ID, as bytes or as the processor's latin1 key (converted when read). */
  constructor(
    private readonly idOrKey: Uint8Array | string,
    readonly spanCount: number,
    readonly wireBytes: number,
    private readonly segments: () => Segment[],
    private readonly decode: () => TracesData,
  ) {}

  get traceId(): Uint8Array {
    this.id ??= typeof this.idOrKey === 'string' ? Buffer.from(this.idOrKey, 'latin1') : this.idOrKey;
    return this.id;
  }

  visit(onResource: ((r: Resource) => boolean) | undefined, onSpan: (s: WireSpan) => boolean): boolean {
    this.segs ??= this.segments();
    const visitSpan = (buf: Uint8Array, start: number, end: number) => {
      cursor.set(buf, start, end);
      return onSpan(cursor);
    };
    for (const seg of this.segs) {
      if (onResource?.(seg.resource)) return true;
      if (eachSpan(seg.spans, visitSpan)) return true;
    }
    return false;
  }

  get data(): TracesData {
    this.decoded ??= this.decode();
    return this.decoded;
  }
}

/** A view of `data` as if it were one held trace (every span counted, whatever its trace ID). */
export function viewOfRequest(data: TracesData, traceId = new Uint8Array(16), wireBytes = 0): TraceView {
  let spans = 0;
  const segments: Segment[] = [];
  for (const rs of data.resourceSpans) {
    const body = encodeTraces({ resourceSpans: [rs] });
    const parts: Uint8Array[] = [];
    scanScopeList(body.subarray(fieldHeader(body)), {
      scope: () => {},
      span: (buf, start, end) => {
        parts.push(buf.slice(start, end));
        spans++;
      },
    });
    segments.push({ resource: rs.resource, spans: Buffer.concat(parts) });
  }
  return new SegmentTraceView(
    traceId,
    spans,
    wireBytes,
    () => segments,
    () => decodeTraces(encodeTraces(data)),
  );
}

/** Length of the tag and length prefix of the field at the start of `buf`. */
function fieldHeader(buf: Uint8Array): number {
  let p = 1;
  while (buf[p] >= 0x80) p++;
  return p + 1;
}
