// The answer to a fully accepted export is the same for every request of a
// signal and encoding (an empty ExportTraceServiceResponse: 0 protobuf bytes, or
// `{}` in JSON), so it is built once: its headers object, and its body as a latin1
// string. node:http writes a string body together with the header block in one
// write(); a Buffer body goes out as a writev of header and body, which in
// profiles of the paced relay was the largest single item per request. Latin1 maps
// each byte to one character, so any body's bytes are kept exactly.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Signal } from '../../src/pdata/signal.js';
import { CONTENT_TYPE, type WireCodec, type WireEncoding } from './wire.js';

export interface SuccessAnswer {
  /** Content-Type and Content-Length (frozen: node:http only reads it). */
  readonly headers: Readonly<OutgoingHttpHeaders>;
  /** The body's bytes, one latin1 character each. */
  readonly body: string;
}

export class SuccessAnswers {
  private readonly proto: Record<Signal, SuccessAnswer>;
  private readonly json: Record<Signal, SuccessAnswer>;

  constructor(codec: WireCodec) {
    const all = (enc: WireEncoding): Record<Signal, SuccessAnswer> => ({
      traces: successAnswer(codec, 'traces', enc),
      metrics: successAnswer(codec, 'metrics', enc),
      logs: successAnswer(codec, 'logs', enc),
    });
    this.proto = all('proto');
    this.json = all('json');
  }

  get(signal: Signal, enc: WireEncoding): SuccessAnswer {
    return (enc === 'proto' ? this.proto : this.json)[signal];
  }
}

/** The answer built the slow way: what codec.response() says for "all accepted". */
export function successAnswer(codec: WireCodec, signal: Signal, enc: WireEncoding): SuccessAnswer {
  const bytes = codec.response(signal, enc, 0, '');
  return {
    headers: Object.freeze({ 'Content-Type': CONTENT_TYPE[enc], 'Content-Length': bytes.length }),
    body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
  };
}
