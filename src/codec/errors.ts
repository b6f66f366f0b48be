// DecodeError: malformed OTLP input (the receivers answer 400 / INVALID_ARGUMENT with its message).
// The location is added while the error unwinds through the nested decoders (a try/catch per
// nesting level costs nothing on the happy path), so the message says what was wrong and where.

export class DecodeError extends Error {
  override name = 'DecodeError';
  /** What was wrong, without the location. */
  reason: string;
  /** Where: `resource_spans[0].scope_spans[1].spans[4]` (protobuf) or `resourceSpans[0].spans[2]` (JSON). */
  path = '';
  /** 'proto' renders "reason in path", 'json' renders "path: reason". */
  style: 'proto' | 'json' = 'proto';

  constructor(message: string) {
    super(message);
    this.reason = message;
  }
}

/** Prepends a path segment (`spans`, index 4 → `spans[4]`) to a DecodeError and rethrows anything else as is. */
export function atPath(e: unknown, name: string, index = -1): unknown {
  if (!(e instanceof DecodeError)) return e;
  const seg = index < 0 ? name : `${name}[${index}]`;
  e.path = e.path === '' ? seg : e.path.charCodeAt(0) === 91 /* [ */ ? seg + e.path : `${seg}.${e.path}`;
  e.message = e.style === 'json' ? `${e.path}: ${e.reason}` : `${e.reason} in ${e.path}`;
  return e;
}

export function jsonError(reason: string): DecodeError {
  const e = new DecodeError(reason);
  e.style = 'json';
  return e;
}
