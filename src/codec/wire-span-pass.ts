// One pass over a ResourceSpans' scope list while it is still wire bytes (a
// lazily kept list, src/pdata/lazy.ts): for every span, the first attribute
// pair of each of a few keys is located in the span's bytes, a visitor decides
// to keep the span or drop it, and when some were dropped the list is written
// again from the original bytes: runs of kept spans copied at once, dropped ones
// left out. No span object, attribute index or string is made, and the list
// stays wire bytes for whoever comes next (the exporter copies it).
//
// The first pair with a key is the one a lookup by key finds in the decoded
// form. The pass only walks the shapes every encoder writes: a KeyValue that is
// its key field followed by at most one value field (or its value alone, for
// the empty key). Anything else (a KeyValue with its fields reordered, repeated
// or unknown, the attribute field's tag written in several bytes) makes the
// pass give up (PASS_BAIL), and the caller takes the general way for that
// entry; so does a visitor that throws PASS_BAIL.
import { varintSize, Writer } from './proto-wire.js';

/** The visitor's answers for one span. */
export const SPAN_KEEP = 0;
export const SPAN_DROP = 1;

/** Thrown by a visitor (and used internally) to give up on the whole entry. */
export const PASS_BAIL: unique symbol = Symbol('wire span pass: take the general way');

/** run()'s answers besides new bytes. */
export const PASS_UNCHANGED = 0;
export const PASS_GAVE_UP = -1;

export interface PassResult {
  /** The new scope list: ScopeSpans fields (tags included), its own memory. */
  bytes: Buffer;
  /** Spans in it. */
  items: number;
}

const EMPTY = Buffer.alloc(0);
const EMPTY_DV = new DataView(new ArrayBuffer(0));

// span records (stride SR): field start (tag), body end, action
const SR = 3;
// scope records (stride CR): segment, field start, body start, body end, new body length,
// first span record, span record end, changed (0/1), spans kept
const CR = 9;

export class SpanPass {
  /** The keys' UTF-8 bytes, by slot. */
  readonly keyUtf8: Uint8Array[];
  /** For the current span, per slot: the tag offset of the first pair with the key (-1: none). */
  readonly pairAt: Int32Array;
  /** Where that pair ends. */
  readonly pairEnd: Int32Array;
  /** Its value's length prefix (0: the pair has no value). */
  readonly valueAt: Int32Array;
  /** The current span's bytes (and a DataView of them). */
  src: Buffer = EMPTY;
  dv: DataView = EMPTY_DV;

  private spanRec = new Int32Array(64 * SR);
  private scopeRec = new Int32Array(4 * CR);
  /** Per key length below 256: the slots whose key has it (bit 1 << slot). */
  private readonly byLength = new Int32Array(256);
  /** The slots whose key has 256 bytes or more. */
  private longKeys = 0;

  constructor(keys: string[]) {
    if (keys.length > 31) throw new Error('a span pass locates at most 31 keys');
    this.keyUtf8 = keys.map((k) => new Uint8Array(Buffer.from(k, 'utf8')));
    this.keyUtf8.forEach((kb, s) => {
      if (kb.length < 256) this.byLength[kb.length] |= 1 << s;
      else this.longKeys |= 1 << s;
    });
    this.pairAt = new Int32Array(keys.length);
    this.pairEnd = new Int32Array(keys.length);
    this.valueAt = new Int32Array(keys.length);
  }

  /**
   * Visits every span of the scope list `raw` (its segments, validated wire bytes) and writes the
   * list again without the spans the visitor dropped. `dropEmptyScopes`: a ScopeSpans left without
   * spans is left out (a filter's rule), also one that had none. PASS_UNCHANGED when nothing would
   * change (the caller keeps `raw`), PASS_GAVE_UP when the bytes or the visitor said to take the
   * general way (nothing was changed).
   */
  run(
    raw: Uint8Array[],
    visit: (p: SpanPass) => number,
    dropEmptyScopes: boolean,
  ): PassResult | typeof PASS_UNCHANGED | typeof PASS_GAVE_UP {
    let nSpans = 0;
    let nScopes = 0;
    let changed = false;
    let total = 0;
    let items = 0;
    const segs: Buffer[] = [];
    try {
      for (let g = 0; g < raw.length; g++) {
        const seg = raw[g];
        const src = Buffer.isBuffer(seg) ? seg : Buffer.from(seg.buffer, seg.byteOffset, seg.byteLength);
        segs.push(src);
        this.src = src;
        this.dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
        let pos = 0;
        const end = src.length;
        while (pos < end) {
          // a ScopeSpans field (ResourceSpans field 2)
          const fieldAt = pos;
          pos = skipTag(src, pos);
          const bodyAt = readLen(src, pos);
          const bodyEnd = bodyAt + lastLen;
          pos = bodyEnd;
          const firstSpan = nSpans;
          let kept = 0;
          let scopeLen = bodyEnd - bodyAt;
          let scopeChanged = false;
          // the ScopeSpans' fields: spans (field 2) visited, the others kept as they are
          let p = bodyAt;
          while (p < bodyEnd) {
            const at = p;
            const tag = readTag(src, p);
            p = lastPos;
            const wt = tag & 7;
            if (tag >>> 3 !== 2 || wt !== 2) {
              p = skipValue(src, p, wt);
              continue;
            }
            const spanAt = readLen(src, p);
            const spanEnd = spanAt + lastLen;
            p = spanEnd;
            const action = this.visitSpan(spanAt, spanEnd, visit);
            const r = this.spanRecord(nSpans++);
            const rec = this.spanRec;
            rec[r] = at;
            rec[r + 1] = spanEnd;
            rec[r + 2] = action;
            if (action === SPAN_DROP) {
              scopeLen -= spanEnd - at;
              scopeChanged = true;
            } else kept++;
          }
          const c = this.scopeRecord(nScopes++);
          const sr = this.scopeRec;
          sr[c] = g;
          sr[c + 1] = fieldAt;
          sr[c + 2] = bodyAt;
          sr[c + 3] = bodyEnd;
          sr[c + 4] = scopeLen;
          sr[c + 5] = firstSpan;
          sr[c + 6] = nSpans;
          sr[c + 7] = scopeChanged ? 1 : 0;
          sr[c + 8] = kept;
          if (kept === 0 && dropEmptyScopes) {
            changed = true;
            continue;
          }
          items += kept;
          if (scopeChanged) {
            changed = true;
            total += 1 + varintSize(scopeLen) + scopeLen;
          } else total += bodyEnd - fieldAt;
        }
      }
    } catch (err) {
      if (err === PASS_BAIL) return PASS_GAVE_UP;
      throw err;
    } finally {
      this.src = EMPTY;
      this.dv = EMPTY_DV;
    }
    if (!changed) return PASS_UNCHANGED;
    return { bytes: this.write(segs, nScopes, total, dropEmptyScopes), items };
  }

  /** Locates the slots' first pairs in the span src[start, end) and asks the visitor. */
  private visitSpan(start: number, end: number, visit: (p: SpanPass) => number): number {
    // varints are read inline, in locals (helpers returning two values through module variables
    // cost several times more in this loop, which every span of every request runs)
    const src = this.src;
    const keys = this.keyUtf8;
    const byLength = this.byLength;
    const pairAt = this.pairAt;
    const nk = keys.length;
    for (let s = 0; s < nk; s++) pairAt[s] = -1;
    let pos = start;
    let b = 0;
    let n = 0;
    let mul = 0;
    while (pos < end) {
      const at = pos;
      let tag = src[pos++];
      if (tag >= 0x80) {
        tag &= 0x7f;
        mul = 128;
        do {
          b = src[pos++];
          tag += (b & 0x7f) * mul;
          mul *= 128;
        } while (b >= 0x80);
        // the attribute field with its tag in several bytes: not what the walk below reads
        if (Math.floor(tag / 8) === 9) throw PASS_BAIL;
      }
      if (tag === 0x4a) {
        // an attribute: key field then at most one value field, or the value alone (empty key)
        n = src[pos++];
        if (n >= 0x80) {
          n &= 0x7f;
          mul = 128;
          do {
            b = src[pos++];
            n += (b & 0x7f) * mul;
            mul *= 128;
          } while (b >= 0x80);
        }
        const pairEnd = pos + n;
        let keyAt = pos;
        let keyLen = 0;
        let valueAt = 0;
        if (pos < pairEnd) {
          const first = src[pos++];
          if (first === 0x0a) {
            n = src[pos++];
            if (n >= 0x80) {
              n &= 0x7f;
              mul = 128;
              do {
                b = src[pos++];
                n += (b & 0x7f) * mul;
                mul *= 128;
              } while (b >= 0x80);
            }
            keyAt = pos;
            keyLen = n;
            pos += n;
            if (pos < pairEnd) {
              if (src[pos] !== 0x12) throw PASS_BAIL;
              valueAt = ++pos;
            } else if (pos !== pairEnd) throw PASS_BAIL;
          } else if (first === 0x12) valueAt = pos;
          else throw PASS_BAIL;
          if (valueAt !== 0) {
            // the value must end the pair
            n = src[pos++];
            if (n >= 0x80) {
              n &= 0x7f;
              mul = 128;
              do {
                b = src[pos++];
                n += (b & 0x7f) * mul;
                mul *= 128;
              } while (b >= 0x80);
            }
            if (pos + n !== pairEnd) throw PASS_BAIL;
          }
        }
        // the slots whose key has this length (a bit each), then their bytes from the end
        let cand = keyLen < 256 ? byLength[keyLen] : this.longKeys;
        while (cand !== 0) {
          const s = 31 - Math.clz32(cand);
          cand &= ~(1 << s);
          const kb = keys[s];
          if (kb.length !== keyLen || pairAt[s] >= 0) continue;
          let i = keyLen - 1;
          while (i >= 0 && src[keyAt + i] === kb[i]) i--;
          if (i >= 0) continue;
          pairAt[s] = at;
          this.pairEnd[s] = pairEnd;
          this.valueAt[s] = valueAt;
        }
        pos = pairEnd;
        continue;
      }
      switch (tag & 7) {
        case 0:
          while (src[pos++] >= 0x80);
          break;
        case 1:
          pos += 8;
          break;
        case 5:
          pos += 4;
          break;
        default:
          n = src[pos++];
          if (n >= 0x80) {
            n &= 0x7f;
            mul = 128;
            do {
              b = src[pos++];
              n += (b & 0x7f) * mul;
              mul *= 128;
            } while (b >= 0x80);
          }
          pos += n;
      }
    }
    return visit(this);
  }

  private spanRecord(i: number): number {
    if ((i + 1) * SR > this.spanRec.length) {
      const grown = new Int32Array(this.spanRec.length * 2);
      grown.set(this.spanRec);
      this.spanRec = grown;
    }
    return i * SR;
  }

  private scopeRecord(i: number): number {
    if ((i + 1) * CR > this.scopeRec.length) {
      const grown = new Int32Array(this.scopeRec.length * 2);
      grown.set(this.scopeRec);
      this.scopeRec = grown;
    }
    return i * CR;
  }

  /** Writes the list the records describe (`total` bytes). */
  private write(segs: Buffer[], nScopes: number, total: number, dropEmptyScopes: boolean): Buffer {
    // its own memory: the list is kept (queued, batched) and must not hold a pooled slab
    const w = new Writer(total, 0, false, false, true);
    const sr = this.scopeRec;
    const rec = this.spanRec;
    let g = -1;
    let src: Buffer = EMPTY;
    let dv: DataView = EMPTY_DV;
    for (let c = 0; c < nScopes * CR; c += CR) {
      if (sr[c] !== g) {
        g = sr[c];
        src = segs[g];
        dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
      }
      if (sr[c + 8] === 0 && dropEmptyScopes) continue;
      const bodyEnd = sr[c + 3];
      if (sr[c + 7] === 0) {
        copyRange(w, src, dv, sr[c + 1], bodyEnd);
        continue;
      }
      w.byte(0x12);
      w.uint32(sr[c + 4]);
      // the scope's own fields and the spans kept, runs of them copied at once
      let run = sr[c + 2];
      const spansEnd = sr[c + 6] * SR;
      for (let r = sr[c + 5] * SR; r < spansEnd; r += SR) {
        if (rec[r + 2] === SPAN_KEEP) continue;
        const at = rec[r];
        if (at > run) copyRange(w, src, dv, run, at);
        run = rec[r + 1];
      }
      if (bodyEnd > run) copyRange(w, src, dv, run, bodyEnd);
    }
    return w.finish();
  }
}

/**
 * src[from, to) into the writer: by a loop of 4-byte words below 1 KiB (a native copy call costs
 * more than that for the pieces of a span), by memcpy above.
 */
function copyRange(w: Writer, src: Buffer, srcDv: DataView, from: number, to: number): void {
  if (to - from >= 1024) {
    w.rawRange(src, srcDv, from, to);
    return;
  }
  const dv = w.view;
  let pos = w.pos;
  let i = from;
  for (; i + 4 <= to; i += 4, pos += 4) dv.setInt32(pos, srcDv.getInt32(i));
  const buf = w.buf;
  for (; i < to; i++) buf[pos++] = src[i];
  w.pos = pos;
}

/** The length read by the last readLen(). */
let lastLen = 0;
/** The position after the tag read by the last readTag(). */
let lastPos = 0;

/** Reads a length prefix at `pos` into lastLen; returns the position after it. */
function readLen(src: Uint8Array, pos: number): number {
  let b = src[pos++];
  if (b < 0x80) {
    lastLen = b;
    return pos;
  }
  let n = b & 0x7f;
  let mul = 128;
  do {
    b = src[pos++];
    n += (b & 0x7f) * mul;
    mul *= 128;
  } while (b >= 0x80);
  lastLen = n;
  return pos;
}

/** Reads a tag at `pos` (lastPos: after it). */
function readTag(src: Uint8Array, pos: number): number {
  let b = src[pos++];
  if (b < 0x80) {
    lastPos = pos;
    return b;
  }
  let t = b & 0x7f;
  let shift = 7;
  do {
    b = src[pos++];
    t |= (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80);
  lastPos = pos;
  return t >>> 0;
}

function skipTag(src: Uint8Array, pos: number): number {
  while (src[pos++] >= 0x80);
  return pos;
}

/** Skips a value of wire type `wt` at `pos` (validated bytes: no groups). */
function skipValue(src: Uint8Array, pos: number, wt: number): number {
  switch (wt) {
    case 0:
      while (src[pos++] >= 0x80);
      return pos;
    case 1:
      return pos + 8;
    case 5:
      return pos + 4;
    default: {
      const at = readLen(src, pos);
      return at + lastLen;
    }
  }
}
