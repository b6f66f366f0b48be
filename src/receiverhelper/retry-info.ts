// The google.rpc.RetryInfo detail of a google.rpc.Status (the OTLP spec's
// throttling hint). The codec encodes Status without details; a detail is one
// more `details` field (3), so it is appended to the codec's bytes.
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

function varint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function lenField(out: number[], tag: number, body: number[]): void {
  out.push(tag);
  varint(out, body.length);
  for (const b of body) out.push(b);
}

/** Status field 3 holding Any{RetryInfo{retry_delay: Duration}}. */
export function retryInfoDetail(delayMs: number): Uint8Array {
  const ms = Math.max(0, Math.round(delayMs));
  const duration: number[] = [];
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  if (seconds > 0) {
    duration.push(0x08);
    varint(duration, seconds);
  }
  if (nanos > 0) {
    duration.push(0x10);
    varint(duration, nanos);
  }
  const retryInfo: number[] = [];
  lenField(retryInfo, 0x0a, duration);
  const any: number[] = [];
  lenField(any, 0x0a, Array.from(Buffer.from(RETRY_INFO_TYPE)));
  lenField(any, 0x12, retryInfo);
  const field: number[] = [];
  lenField(field, 0x1a, any);
  return Uint8Array.from(field);
}

/** The same detail in the proto3 JSON mapping of google.protobuf.Any. */
export function retryInfoJson(delayMs: number): { '@type': string; retryDelay: string } {
  const ms = Math.max(0, Math.round(delayMs));
  const s = ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
  return { '@type': RETRY_INFO_TYPE, retryDelay: `${s}s` };
}
