// Sizes and writes a plain JS map (a stanza entry's attributes, see
// pdata/plain-record.ts) as a repeated KeyValue field, byte for byte what
// toKeyValues() + the KeyValue encoder would write, without building the
// KeyValue/AnyValue objects. Same two passes as proto-common.ts: sizing
// reserves slots in pre-order, writing replays them.
import { int64Size, lenFieldSize, reserve, sizes, strField, type Writer } from './proto-wire.js';

/** The AnyValue kind toAnyValue() gives `v` (0 = empty: null, undefined). */
function plainKind(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return 1;
    case 'boolean':
      return 2;
    case 'bigint':
      return 3;
    case 'number':
      return Number.isSafeInteger(v) ? 3 : 4;
    case 'object':
      if (v === null) return 0;
      if (v instanceof Uint8Array) return 7;
      return Array.isArray(v) ? 5 : 6;
    default:
      return 0;
  }
}

function sizePlainValue(v: unknown, kind: number): number {
  switch (kind) {
    case 1:
      return strField(v as string);
    case 2:
      return 2;
    case 3:
      return 1 + (typeof v === 'bigint' ? int64Size(v) : int64SizeNum(v as number));
    case 4:
      return 9;
    case 5: {
      const slot = reserve();
      const list = v as unknown[];
      let n = 0;
      for (let i = 0; i < list.length; i++) n += lenFieldSize(sizePlainSlot(list[i]));
      sizes.tab[slot] = n;
      return lenFieldSize(n);
    }
    case 6: {
      const slot = reserve();
      const n = sizePlainMap(v as Record<string, unknown>, false);
      sizes.tab[slot] = n;
      return lenFieldSize(n);
    }
    case 7:
      return lenFieldSize((v as Uint8Array).length);
    default:
      return 0;
  }
}

function sizePlainSlot(v: unknown): number {
  const s = reserve();
  const kind = plainKind(v);
  const m = sizePlainValue(v, kind);
  sizes.tab[s] = m * 8 + kind;
  return m;
}

/**
 * Size of the repeated KeyValue field (one-byte tag) for `m`. At the top level
 * undefined values are left out (toKeyValues); inside a map they are empty
 * AnyValues (toAnyValue).
 */
export function sizePlainMap(m: Record<string, unknown>, skipUndefined = true): number {
  let n = 0;
  for (const key in m) {
    const v = m[key];
    if (v === undefined && skipUndefined) continue;
    const slot = reserve();
    let kv = key !== '' ? strField(key) : 0;
    const len = sizePlainSlot(v);
    if (len !== 0) kv += lenFieldSize(len);
    sizes.tab[slot] = kv;
    n += lenFieldSize(kv);
  }
  return n;
}

/** Writes what sizePlainMap sized, each KeyValue with the one-byte tag `tag`. */
export function writePlainMap(
  w: Writer,
  m: Record<string, unknown>,
  tag: number,
  skipUndefined = true,
): void {
  for (const key in m) {
    const v = m[key];
    if (v === undefined && skipUndefined) continue;
    w.byte(tag);
    w.len();
    if (key !== '') {
      w.byte(0x0a);
      w.str(key);
    }
    if (w.tab[w.si] === 0) w.si++;
    else {
      w.byte(0x12);
      writePlainValue(w, v, w.anyLen());
    }
  }
}

function writePlainValue(w: Writer, v: unknown, kind: number): void {
  switch (kind) {
    case 1:
      w.byte(0x0a);
      w.str(v as string);
      return;
    case 2:
      w.byte(0x10);
      w.byte(v ? 1 : 0);
      return;
    case 3:
      w.byte(0x18);
      if (typeof v === 'bigint') w.int64(v);
      else w.int64Num(v as number);
      return;
    case 4:
      w.byte(0x21);
      w.double(v as number);
      return;
    case 5: {
      w.byte(0x2a);
      w.len();
      const list = v as unknown[];
      for (let i = 0; i < list.length; i++) {
        w.byte(0x0a);
        writePlainValue(w, list[i], w.anyLen());
      }
      return;
    }
    case 6:
      w.byte(0x32);
      w.len();
      writePlainMap(w, v as Record<string, unknown>, 0x0a, false);
      return;
    case 7:
      w.byte(0x3a);
      w.bytes(v as Uint8Array);
      return;
  }
}

/** int64Size for a safe integer held as a number. */
function int64SizeNum(n: number): number {
  if (n < 0) return 10;
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
