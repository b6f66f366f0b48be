// A bounds-checked MessagePack reader for untrusted frames. Hand-written
// rather than a library's decode because the OTLP mapping needs what a generic
// decoder throws away: an integer and an integral float are different wire
// types (int → intValue, float → doubleValue, as the collector maps them), 64-bit
// integers must stay exact (bigint), and bin/str payloads are needed as raw
// bytes (PackedForward entries, shared-key nonces). The format is small; the
// tests check this reader against msgpackr (encoding) value by value.
import { type DecodeBudget, defaultBudget } from '../../src/codec/decode-budget.js';
import { COST } from '../../src/codec/decode-cost.js';
import type { AnyValue, KeyValue } from '../../src/pdata/types.js';

export class MsgpackError extends Error {}

/** Nesting deeper than this is refused (no stack exhaustion on hostile input). */
export const MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_INT64 = (1n << 63n) - 1n;

/** Fluent's EventTime: ext type 0 with 8 bytes (uint32 seconds, uint32 nanoseconds). */
export const EVENT_TIME_EXT = 0;

export class Reader {
  pos: number;

  /**
   * `budget`: what the decoded values may cost (src/codec/decode-budget.ts): arrays and maps are
   * charged from their headers, before their elements are built, so a frame of many empty
   * values is refused long before it takes the heap.
   */
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly end = buf.length,
    readonly budget: DecodeBudget = defaultBudget(),
  ) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new MsgpackError('truncated msgpack value');
  }

  peek(): number {
    this.need(1);
    return this.buf[this.pos];
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  private bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** An array header's element count; throws if the next value is not an array. */
  arrayHeader(): number {
    const b = this.u8();
    if ((b & 0xf0) === 0x90) return b & 0x0f;
    if (b === 0xdc) return this.u16();
    if (b === 0xdd) return this.u32();
    throw new MsgpackError(`expected an array, found ${typeName(b)}`);
  }

  mapHeader(): number {
    const b = this.u8();
    if ((b & 0xf0) === 0x80) return b & 0x0f;
    if (b === 0xde) return this.u16();
    if (b === 0xdf) return this.u32();
    throw new MsgpackError(`expected a map, found ${typeName(b)}`);
  }

  /** The payload of a str or bin value (a view into the buffer), or undefined if the next value is neither. */
  rawBytes(): Buffer | undefined {
    const b = this.peek();
    let n: number;
    if ((b & 0xe0) === 0xa0) {
      this.pos++;
      n = b & 0x1f;
    } else if (b === 0xd9 || b === 0xc4) {
      this.pos++;
      n = this.u8();
    } else if (b === 0xda || b === 0xc5) {
      this.pos++;
      n = this.u16();
    } else if (b === 0xdb || b === 0xc6) {
      this.pos++;
      n = this.u32();
    } else return undefined;
    return this.bytes(n);
  }

  /** A str or bin value as text. */
  string(what: string): string {
    const raw = this.rawBytes();
    if (raw === undefined)
      throw new MsgpackError(`${what}: expected a string, found ${typeName(this.peek())}`);
    return utf8.decode(raw);
  }

  isNil(): boolean {
    return this.peek() === 0xc0;
  }

  /** An integer of any width: a number when it fits 2^53 exactly, else a bigint. */
  integer(): number | bigint | undefined {
    const b = this.peek();
    if (b <= 0x7f) return this.u8();
    if (b >= 0xe0) return this.u8() - 0x100;
    switch (b) {
      case 0xcc:
        this.pos++;
        return this.u8();
      case 0xcd:
        this.pos++;
        return this.u16();
      case 0xce:
        this.pos++;
        return this.u32();
      case 0xcf: {
        this.pos++;
        this.need(8);
        const v = this.buf.readBigUInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xd0: {
        this.pos++;
        this.need(1);
        return this.buf.readInt8(this.pos++);
      }
      case 0xd1: {
        this.pos++;
        this.need(2);
        const v = this.buf.readInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.pos++;
        this.need(4);
        const v = this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3: {
        this.pos++;
        this.need(8);
        const v = this.buf.readBigInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      default:
        return undefined;
    }
  }

  /** A float32/float64 value, or undefined if the next value is not a float. */
  float(): number | undefined {
    const b = this.peek();
    if (b === 0xca) {
      this.pos++;
      this.need(4);
      const v = this.buf.readFloatBE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0xcb) {
      this.pos++;
      this.need(8);
      const v = this.buf.readDoubleBE(this.pos);
      this.pos += 8;
      return v;
    }
    return undefined;
  }

  /** An ext value's type and payload, or undefined if the next value is not an ext. */
  ext(): { type: number; data: Buffer } | undefined {
    const b = this.peek();
    let n: number;
    if (b >= 0xd4 && b <= 0xd8) {
      this.pos++;
      n = 1 << (b - 0xd4);
    } else if (b === 0xc7) {
      this.pos++;
      n = this.u8();
    } else if (b === 0xc8) {
      this.pos++;
      n = this.u16();
    } else if (b === 0xc9) {
      this.pos++;
      n = this.u32();
    } else return undefined;
    this.need(1);
    const type = this.buf.readInt8(this.pos++);
    return { type, data: this.bytes(n) };
  }

  /** Skips one value of any type (bounded nesting). */
  skip(depth = 0): void {
    if (depth > MAX_DEPTH) throw new MsgpackError('msgpack value nested too deeply');
    const b = this.peek();
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      const n = this.arrayHeader();
      for (let i = 0; i < n; i++) this.skip(depth + 1);
      return;
    }
    if ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf) {
      const n = this.mapHeader();
      for (let i = 0; i < 2 * n; i++) this.skip(depth + 1);
      return;
    }
    this.value(depth);
  }

  /**
   * Any value as an OTLP AnyValue, the way the collector's fluentforward
   * receiver maps msgpack types: int/uint → int (uint64 above int64's range →
   * its decimal string), float32/64 → double, str → string, bin → string when
   * it is valid UTF-8 (the collector turns bin into a string) else bytes (a JS
   * string cannot carry arbitrary bytes, so they stay bytes instead of being
   * mangled), nil → empty, map → kvlist, array → array, EventTime → its
   * RFC 3339 text, other ext → its payload bytes.
   */
  value(depth = 0): AnyValue {
    const b = this.peek();
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xcf) || (b >= 0xd0 && b <= 0xd3)) {
      const v = this.integer()!;
      if (typeof v === 'number') return { intValue: BigInt(v) };
      return v > MAX_INT64 ? { stringValue: v.toString() } : { intValue: v };
    }
    if ((b & 0xe0) === 0xa0 || b === 0xd9 || b === 0xda || b === 0xdb) {
      return { stringValue: utf8.decode(this.rawBytes()!) };
    }
    switch (b) {
      case 0xc0:
        this.pos++;
        return {};
      case 0xc2:
        this.pos++;
        return { boolValue: false };
      case 0xc3:
        this.pos++;
        return { boolValue: true };
      case 0xca:
      case 0xcb:
        return { doubleValue: this.float()! };
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        const raw = this.rawBytes()!;
        try {
          return { stringValue: strictUtf8.decode(raw) };
        } catch {
          return { bytesValue: new Uint8Array(raw) };
        }
      }
      case 0xc1:
        throw new MsgpackError('invalid msgpack byte 0xc1');
    }
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      if (depth >= MAX_DEPTH) throw new MsgpackError('msgpack value nested too deeply');
      const n = this.arrayHeader();
      this.need(n); // each element takes at least one byte: no huge preallocation on a lying header
      this.budget.charge(n * COST.arrayElement + COST.anyList, n + 1);
      const values: AnyValue[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = this.value(depth + 1);
      return { arrayValue: { values } };
    }
    if ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf) {
      if (depth >= MAX_DEPTH) throw new MsgpackError('msgpack value nested too deeply');
      const values: KeyValue[] = [];
      this.mapInto(values, depth + 1);
      return { kvlistValue: { values } };
    }
    const e = this.ext();
    if (e) {
      if (e.type === EVENT_TIME_EXT && e.data.length === 8) {
        return { stringValue: rfc3339Nano(e.data.readUInt32BE(0), e.data.readUInt32BE(4)) };
      }
      return { bytesValue: new Uint8Array(e.data) };
    }
    throw new MsgpackError(`invalid msgpack byte 0x${b.toString(16)}`);
  }

  /** A map's entries appended to `out` (a repeated key replaces the earlier value in place). */
  mapInto(out: KeyValue[], depth: number): void {
    const n = this.mapHeader();
    this.budget.charge(n * COST.keyValue + COST.anyList, n + 1);
    const set = keySetter(out, n);
    for (let i = 0; i < n; i++) {
      const key = this.key();
      set(key, this.value(depth));
    }
  }

  /** A map key: str or bin (as some senders use), or a number or bool turned into text. */
  key(): string {
    const raw = this.rawBytes();
    if (raw !== undefined) return utf8.decode(raw);
    const b = this.peek();
    const n = this.integer();
    if (n !== undefined) return String(n);
    const f = this.float();
    if (f !== undefined) return String(f);
    if (b === 0xc2 || b === 0xc3) {
      this.pos++;
      return String(b === 0xc3);
    }
    throw new MsgpackError(`map key must be a string, found ${typeName(b)}`);
  }
}

/** Sets key → value, replacing an earlier entry of the same key where it stands (pcommon.Map.PutEmpty). */
/**
 * A setter with setKey's semantics for a map of `n` more entries: a large map gets an index,
 * so a frame of one map with a million distinct keys is linear, not quadratic (a scan per key
 * kept the event loop busy for minutes).
 */
export function keySetter(out: KeyValue[], n: number): (key: string, value: AnyValue) => void {
  if (n + out.length <= 16) return (key, value) => setKey(out, key, value);
  const index = new Map<string, number>();
  for (let i = 0; i < out.length; i++) index.set(out[i].key, i);
  return (key, value) => {
    const at = index.get(key);
    if (at !== undefined) out[at].value = value;
    else {
      index.set(key, out.length);
      out.push({ key, value });
    }
  };
}

export function setKey(out: KeyValue[], key: string, value: AnyValue): void {
  for (let i = 0; i < out.length; i++) {
    if (out[i].key === key) {
      out[i].value = value;
      return;
    }
  }
  out.push({ key, value });
}

function rfc3339Nano(sec: number, nsec: number): string {
  const iso = new Date(sec * 1000).toISOString(); // 2020-01-02T03:04:05.000Z
  const frac = nsec === 0 ? '' : `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 19)}${frac}Z`;
}

export function typeName(b: number): string {
  if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return 'an integer';
  if ((b & 0xe0) === 0xa0 || (b >= 0xd9 && b <= 0xdb)) return 'a string';
  if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) return 'an array';
  if ((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf) return 'a map';
  if (b === 0xc0) return 'nil';
  if (b === 0xc2 || b === 0xc3) return 'a bool';
  if (b === 0xca || b === 0xcb) return 'a float';
  if (b >= 0xc4 && b <= 0xc6) return 'binary';
  if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return 'an ext value';
  return `invalid byte 0x${b.toString(16)}`;
}
