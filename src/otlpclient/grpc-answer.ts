// What the answer to a unary gRPC call over HTTP/2 means (PROTOCOL-HTTP2.md in
// grpc/grpc): the headers' :status and grpc-encoding, grpc-status / grpc-message /
// grpc-status-details-bin from the trailers (or the headers of a trailers-only answer),
// the message behind its 5-byte frame header, and how the stream closed. Both HTTP/2
// transports (node:http2 and the lean client) feed their events here, so a call fails
// the same way on either, and as the grpc-js client reports it (toConsumerError maps
// the result).
import * as http2 from 'node:http2';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { MAX_RESPONSE_BYTES } from '../exporterhelper/response-body.js';

const gunzipAsync = promisify(gunzip);

/** HTTP status → gRPC code for answers without grpc-status (the gRPC spec's table). */
function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return grpc.status.INTERNAL;
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 404:
      return grpc.status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.UNKNOWN;
  }
}

/** A failed call as grpc-js reports one, so that toConsumerError maps it the same way. */
export function serviceError(code: number, details: string, statusDetails?: Buffer): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (statusDetails) metadata.set('grpc-status-details-bin', statusDetails);
  const e = new Error(`${code} ${grpc.status[code] ?? ''}: ${details}`) as grpc.ServiceError;
  e.code = code;
  e.details = details;
  e.metadata = metadata;
  return e;
}

/** HTTP/2 error code → node's name for it (NGHTTP2_INTERNAL_ERROR …). */
const ERROR_CODE_NAMES = new Map<number, string>(
  Object.entries(http2.constants)
    .filter(([k]) =>
      /^NGHTTP2_(NO_ERROR|PROTOCOL_ERROR|INTERNAL_ERROR|FLOW_CONTROL_ERROR|SETTINGS_TIMEOUT|STREAM_CLOSED|FRAME_SIZE_ERROR|REFUSED_STREAM|CANCEL|COMPRESSION_ERROR|CONNECT_ERROR|ENHANCE_YOUR_CALM|INADEQUATE_SECURITY|HTTP_1_1_REQUIRED)$/.test(
        k,
      ),
    )
    .map(([k, v]) => [v as number, k]),
);

/**
 * A stream the server reset with `code`. NO_ERROR and CANCEL close the stream (closed() maps
 * them); any other code fails the call as node:http2 reports it (its stream's 'error').
 */
export function resetError(code: number): grpc.ServiceError {
  return serviceError(
    grpc.status.UNAVAILABLE,
    `Stream closed with error code ${ERROR_CODE_NAMES.get(code) ?? code}`,
  );
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A header's (first) value by lower-case name. */
export type HeaderGet = (name: string) => string | undefined;

/** The answer of one call, gathered from its stream's events. */
export class UnaryAnswer {
  private httpStatus = 0;
  private encoding: string | undefined;
  private grpcStatus: string | undefined;
  private grpcMessage = '';
  private statusDetails: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  private received = 0;

  /** The answer's headers (with grpc-status: a trailers-only answer). */
  headers(get: HeaderGet): void {
    this.httpStatus = Number(get(':status'));
    this.encoding = get('grpc-encoding');
    this.trailers(get);
  }

  trailers(get: HeaderGet): void {
    const st = get('grpc-status');
    if (st === undefined) return;
    this.grpcStatus = st;
    this.grpcMessage = percentDecode(get('grpc-message') ?? '');
    const det = get('grpc-status-details-bin');
    if (det) this.statusDetails = Buffer.from(det, 'base64');
  }

  /** A chunk of the answer's body; the error once it is over MAX_RESPONSE_BYTES (the call fails). */
  data(c: Buffer): grpc.ServiceError | undefined {
    this.received += c.length;
    if (this.received > MAX_RESPONSE_BYTES + 5)
      return serviceError(
        grpc.status.RESOURCE_EXHAUSTED,
        `Received message larger than max (${this.received} vs. ${MAX_RESPONSE_BYTES})`,
      );
    this.chunks.push(c);
    return undefined;
  }

  /**
   * The stream closed with `rstCode` (0: ended, or reset with NO_ERROR; a code other than
   * those closed() knows fails by resetError first): the call's error, or undefined for OK.
   */
  closed(rstCode: number | undefined): grpc.ServiceError | undefined {
    if (this.grpcStatus === undefined) {
      const code = rstCode;
      if (this.httpStatus !== 0 && this.httpStatus !== 200)
        return serviceError(
          codeForHttpStatus(this.httpStatus),
          `Received HTTP status code ${this.httpStatus}`,
        );
      if (code === http2.constants.NGHTTP2_REFUSED_STREAM)
        return serviceError(grpc.status.UNAVAILABLE, 'Stream refused by server');
      if (code === http2.constants.NGHTTP2_CANCEL)
        return serviceError(grpc.status.CANCELLED, 'Call cancelled');
      if (code === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM)
        return serviceError(grpc.status.RESOURCE_EXHAUSTED, 'Bandwidth exhausted or memory limit exceeded');
      return serviceError(
        code === 0 || code === undefined ? grpc.status.UNKNOWN : grpc.status.INTERNAL,
        code ? `Received RST_STREAM with code ${code}` : 'Server closed the call without a status',
      );
    }
    const status = Number(this.grpcStatus);
    if (status !== grpc.status.OK) return serviceError(status, this.grpcMessage, this.statusDetails);
    return undefined;
  }

  /** The message of an OK answer (gunzipped when it came compressed; empty when there is none). */
  message(): Buffer | Promise<Buffer> {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    if (all.length < 5) return Buffer.alloc(0);
    const msg = all.subarray(5, 5 + all.readUInt32BE(1));
    if (all[0] === 1 && this.encoding === 'gzip')
      return gunzipAsync(msg).catch(() => {
        throw serviceError(grpc.status.INTERNAL, 'Failed to decompress the answer');
      });
    return msg;
  }
}
