// A forward frame (one complete msgpack array) into OTLP log records, the way
// the collector's fluentforwardreceiver does it (conversion.go):
//   Message        [tag, time, record, option?]
//   Forward        [tag, [[time, record], ...], option?]
//   PackedForward  [tag, bin|str(concatenated [time, record] entries), option?]
//     with option.compressed = "gzip": CompressedPackedForward
// The mode is told by the second element's type (spec: "Server MUST detect the
// carrier mode by inspecting the second element of the array"). Each record
// becomes one log record: `log` or `message` → body (the later one wins), every
// other key → an attribute, plus `fluent.tag`; the event time → timestamp.
import { type DecodeBudget, defaultBudget } from '../../src/codec/decode-budget.js';
import { COST } from '../../src/codec/decode-cost.js';
import { newLogRecord } from '../../src/pdata/create.js';
import type { LogRecord } from '../../src/pdata/types.js';
import { EVENT_TIME_EXT, keySetter, MsgpackError, Reader, setKey, typeName } from './msgpack.js';

export const TAG_ATTRIBUTE = 'fluent.tag';

export interface FrameOptions {
  /** The `chunk` option: the sender wants `{ack: chunk}` back once the events are accepted. */
  chunk?: string;
  /** `compressed`: "gzip" or "text" (absent = text). */
  compressed?: string;
  /** `size`: the event count per the spec (fluent-logger sends the byte size); informational only. */
  size?: number;
}

export type Frame =
  /** A msgpack nil: the spec's keepalive/heartbeat over TCP, ignored. */
  | { kind: 'nil' }
  /** Events decoded in full (Message, Forward, uncompressed PackedForward). */
  | { kind: 'events'; mode: Mode; tag: string; records: LogRecord[]; options: FrameOptions }
  /** CompressedPackedForward: the entries still need inflating, then decodeEntries(). */
  | { kind: 'compressed'; tag: string; entries: Buffer; options: FrameOptions }
  /** A handshake message (PING) or anything else whose first element is a string we do not take as a tag. */
  | { kind: 'handshake'; reader: Reader; length: number };

export type Mode = 'message' | 'forward' | 'packedforward' | 'compressedpackedforward';

/** Decodes one complete frame. `buf[start..end)` holds exactly the frame. Throws MsgpackError on anything malformed. */
export function decodeFrame(
  buf: Buffer,
  start: number,
  end: number,
  expectHandshake = false,
  budget: DecodeBudget = defaultBudget(),
): Frame {
  const r = new Reader(buf, start, end, budget);
  if (r.isNil()) return { kind: 'nil' };
  const b = r.peek();
  if (!((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd)) {
    throw new MsgpackError(`a forward frame must be an array, found ${typeName(b)}`);
  }
  const n = r.arrayHeader();
  if (expectHandshake) return { kind: 'handshake', reader: r, length: n };
  if (n < 2 || n > 4) throw new MsgpackError(`a forward frame has 2 to 4 elements, found ${n}`);
  const tag = r.string('tag');
  const second = r.peek();
  if ((second & 0xf0) === 0x90 || second === 0xdc || second === 0xdd) {
    if (n > 3) throw new MsgpackError(`a Forward mode frame has 2 or 3 elements, found ${n}`);
    const records: LogRecord[] = [];
    const entries = r.arrayHeader();
    for (let i = 0; i < entries; i++) {
      if (r.arrayHeader() !== 2) throw new MsgpackError(`entry ${i}: an entry is [time, record]`);
      records.push(entry(r, tag));
    }
    return { kind: 'events', mode: 'forward', tag, records, options: options(r, n === 3) };
  }
  const raw = r.rawBytes();
  if (raw !== undefined) {
    if (n > 3) throw new MsgpackError(`a PackedForward mode frame has 2 or 3 elements, found ${n}`);
    const opts = options(r, n === 3);
    const compressed = opts.compressed ?? 'text';
    if (compressed === 'gzip') return { kind: 'compressed', tag, entries: raw, options: opts };
    if (compressed !== 'text')
      throw new MsgpackError(`unsupported compression "${compressed}" (gzip or text)`);
    return {
      kind: 'events',
      mode: 'packedforward',
      tag,
      records: decodeEntries(raw, tag, budget),
      options: opts,
    };
  }
  // Message mode: [tag, time, record, option?]
  if (n < 3) throw new MsgpackError(`a Message mode frame has 3 or 4 elements, found ${n}`);
  const record = newLogRecord();
  // as the collector: the tag first, then the record's keys
  record.attributes.push({ key: TAG_ATTRIBUTE, value: { stringValue: tag } });
  record.timeUnixNano = time(r);
  recordInto(r, record);
  return { kind: 'events', mode: 'message', tag, records: [record], options: options(r, n === 4) };
}

/** PackedForward entries: concatenated [time, record] arrays, to the end of `raw`. */
/** `budget`: what the decoded records may cost (src/codec/decode-budget.ts). */
export function decodeEntries(raw: Buffer, tag: string, budget: DecodeBudget = defaultBudget()): LogRecord[] {
  const r = new Reader(raw, 0, raw.length, budget);
  const records: LogRecord[] = [];
  while (!r.done) {
    const i = records.length;
    let n: number;
    try {
      n = r.arrayHeader();
    } catch (err) {
      throw new MsgpackError(`entry ${i}: ${(err as Error).message}`);
    }
    if (n !== 2) throw new MsgpackError(`entry ${i}: an entry is [time, record], found ${n} elements`);
    records.push(entry(r, tag));
  }
  return records;
}

function entry(r: Reader, tag: string): LogRecord {
  r.budget.charge(COST.logRecord);
  const record = newLogRecord();
  record.timeUnixNano = time(r);
  recordInto(r, record);
  // as the collector: the tag after the record's keys (replacing a record key of that name)
  setKey(record.attributes, TAG_ATTRIBUTE, { stringValue: tag });
  return record;
}

/**
 * The event time: integer seconds or an EventTime ext; also a float (seconds,
 * as fluentd accepts) and Fluent Bit's [time, metadata] pair (forward protocol
 * v1.5), where the collector would refuse the frame.
 */
function time(r: Reader): bigint {
  const b = r.peek();
  if ((b & 0xf0) === 0x90) {
    const n = r.arrayHeader();
    if (n !== 2) throw new MsgpackError(`time: a [time, metadata] pair has 2 elements, found ${n}`);
    const t = time(r);
    r.skip(1);
    return t;
  }
  const i = r.integer();
  if (i !== undefined) {
    if (i < 0) throw new MsgpackError('time: negative');
    return BigInt(i) * 1_000_000_000n;
  }
  const e = r.ext();
  if (e !== undefined) {
    if (e.type !== EVENT_TIME_EXT || e.data.length !== 8) {
      throw new MsgpackError(`time: ext type ${e.type} of ${e.data.length} bytes is not an EventTime`);
    }
    return BigInt(e.data.readUInt32BE(0)) * 1_000_000_000n + BigInt(e.data.readUInt32BE(4));
  }
  const f = r.float();
  if (f !== undefined) {
    if (!(f >= 0) || !Number.isFinite(f)) throw new MsgpackError(`time: invalid value ${f}`);
    const sec = Math.floor(f);
    return BigInt(sec) * 1_000_000_000n + BigInt(Math.round((f - sec) * 1e9));
  }
  throw new MsgpackError(`time: expected an integer or EventTime, found ${typeName(b)}`);
}

function recordInto(r: Reader, record: LogRecord): void {
  if (r.isNil()) {
    r.skip();
    return;
  }
  const n = r.mapHeader();
  r.budget.charge(n * COST.keyValue, n);
  const set = keySetter(record.attributes, n);
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const value = r.value(1);
    // fluentd uses `message`, Fluent Bit `log`; the collector takes whichever comes last
    if (key === 'message' || key === 'log') record.body = value;
    else set(key, value);
  }
}

function options(r: Reader, present: boolean): FrameOptions {
  const out: FrameOptions = {};
  if (!present) return out;
  if (r.isNil()) {
    r.skip();
    return out;
  }
  const n = r.mapHeader();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    if (key === 'chunk' || key === 'compressed') {
      // a value of another type is ignored, as in the collector (no ack for a non-string chunk)
      const raw = r.rawBytes();
      if (raw === undefined) r.skip(1);
      else out[key] = raw.toString('utf8');
    } else if (key === 'size') {
      const v = r.integer();
      if (v === undefined) r.skip(1);
      else out.size = Number(v);
    } else r.skip(1);
  }
  return out;
}
