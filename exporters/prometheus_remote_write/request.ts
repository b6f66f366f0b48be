// What the exporter's queue holds: the remote write requests an OTLP request
// became when it was queued (snappy-compressed WriteRequests), so a backlog
// costs about the bytes that will be sent, not decoded pdata — the memory
// queue's 64 MiB byte bound then bounds memory.
import type { ExporterRequest } from '../../src/exporterhelper/index.js';
import type { EncodedRequests } from './write-request-encoder.js';

/** One OTLP request's share: its bodies, and what its failures count against. */
export interface RemoteWritePart extends EncodedRequests {
  /** The OTLP data points it came from (counted as sent / failed). */
  points: number;
}

export interface RemoteWriteRequest extends ExporterRequest {
  /** Sent one after the other (a series may be in several parts: their order is time order). */
  parts: RemoteWritePart[];
}

/** What a body costs beyond its bytes (the Buffer object and its bookkeeping). */
const BODY_OVERHEAD = 128;

export function remoteWriteRequest(part: RemoteWritePart): RemoteWriteRequest {
  let bytes = 256;
  for (const b of part.bodies) bytes += b.length + BODY_OVERHEAD;
  return { parts: [part], items: part.points, bytes };
}

export function mergeRemoteWriteRequests(requests: RemoteWriteRequest[]): RemoteWriteRequest {
  let items = 0;
  let bytes = 0;
  for (const r of requests) {
    items += r.items;
    bytes += r.bytes;
  }
  return { parts: requests.flatMap((r) => r.parts), items, bytes };
}
