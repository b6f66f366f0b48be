// Records still kept as their wire bytes (a lazy scope list, src/pdata/lazy.ts: file_log's
// byte path, an OTLP receiver's request) are left alone when each already has a valid
// trace ID: the bytes say so without decoding a record, and an exporter then copies them
// as they are. A record without one (or bytes this scan is unsure of) sends the whole list
// through the decoded path, which links it.

/** `buf[pos...]` as a varint; the position after it in `next.pos` (-1: malformed). */
const next = { pos: 0 };
function varint(buf: Uint8Array, pos: number, end: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 8 && pos < end; i++) {
    const b = buf[pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      next.pos = pos;
      return v;
    }
    mul *= 128;
  }
  next.pos = -1;
  return 0;
}

/** The end of the field whose tag (wire type `wt`) ended at pos; -1 if malformed. */
function skip(buf: Uint8Array, pos: number, end: number, wt: number): number {
  switch (wt) {
    case 0: {
      varint(buf, pos, end);
      return next.pos;
    }
    case 1:
      return pos + 8 <= end ? pos + 8 : -1;
    case 2: {
      const len = varint(buf, pos, end);
      return next.pos < 0 || next.pos + len > end ? -1 : next.pos + len;
    }
    case 5:
      return pos + 4 <= end ? pos + 4 : -1;
    default:
      return -1;
  }
}

/** One LogRecord message buf[pos, end) has exactly one trace_id field: 16 bytes, not all zero. */
function recordHasTraceId(buf: Uint8Array, pos: number, end: number): boolean {
  let found = 0;
  while (pos < end) {
    const tag = varint(buf, pos, end);
    if (next.pos < 0) return false;
    pos = next.pos;
    if (tag === 0x4a) {
      if (buf[pos] !== 16 || pos + 17 > end) return false;
      let any = 0;
      for (let k = pos + 1; k < pos + 17; k++) any |= buf[k];
      if (any === 0) return false;
      found++;
      pos += 17;
      continue;
    }
    pos = skip(buf, pos, end, tag & 7);
    if (pos < 0) return false;
  }
  return found === 1 && pos === end;
}

/**
 * True when every log record in `raw` (ResourceLogs.scope_logs fields, tags included) has a
 * valid trace ID; false when one has none, or when the bytes are not what this scan expects.
 */
export function allHaveTraceIds(raw: readonly Uint8Array[]): boolean {
  for (const buf of raw) {
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      if (buf[pos++] !== 0x12) return false; // scope_logs
      const len = varint(buf, pos, end);
      if (next.pos < 0 || next.pos + len > end) return false;
      pos = next.pos;
      const stop = pos + len;
      while (pos < stop) {
        const tag = varint(buf, pos, stop);
        if (next.pos < 0) return false;
        pos = next.pos;
        if (tag === 0x12) {
          // log_records
          const rl = varint(buf, pos, stop);
          const at = next.pos;
          if (at < 0 || at + rl > stop) return false;
          if (!recordHasTraceId(buf, at, at + rl)) return false;
          pos = at + rl;
        } else {
          pos = skip(buf, pos, stop, tag & 7);
          if (pos < 0) return false;
        }
      }
    }
  }
  return true;
}
