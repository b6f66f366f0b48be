// HPACK decoding (RFC 7541) of the header blocks a server sends: indexed fields,
// literals with and without indexing and never indexed, dynamic table size updates,
// Huffman-coded strings. The dynamic table is the connection's: every block is decoded
// in order, also those of streams already given up, or the table drifts from the server's.
// Bytes from the peer are untrusted: every malformed block is an HpackError (a
// COMPRESSION_ERROR for the connection), and a block's field count and size are bounded.
import { STATIC_TABLE } from './hpack-tables.js';
import { HuffmanError, huffmanDecode } from './huffman.js';

export class HpackError extends Error {}

/** Field entry overhead (RFC 7541 4.1). */
const ENTRY_OVERHEAD = 32;

export class HpackDecoder {
  /** Dynamic table, newest first; sizes in octets (latin1 strings: one char per octet). */
  private readonly table: [string, string][] = [];
  private size = 0;
  private maxSize: number;

  /**
   * @param limit the SETTINGS_HEADER_TABLE_SIZE we advertised (the most a size update may ask)
   * @param maxListSize the most octets (name + value + 32 per field) one block may decode to
   */
  constructor(
    private readonly limit = 4096,
    private readonly maxListSize = 64 * 1024,
  ) {
    this.maxSize = limit;
  }

  /** Decodes one complete header block into [name, value, name, value, …]. */
  decode(block: Buffer): string[] {
    const out: string[] = [];
    let listSize = 0;
    let p = 0;
    let fieldsSeen = false;
    const len = block.length;
    /** An integer with an n-bit prefix at p (5.1); at most 2^28 (more is no valid index or length here). */
    const int = (n: number): number => {
      const mask = (1 << n) - 1;
      let v = block[p++] & mask;
      if (v < mask) return v;
      let shift = 0;
      for (;;) {
        if (p >= len) throw new HpackError('truncated integer');
        const b = block[p++];
        v += (b & 0x7f) * 2 ** shift;
        if ((b & 0x80) === 0) break;
        shift += 7;
        if (shift > 21) throw new HpackError('integer too large');
      }
      return v;
    };
    const str = (): string => {
      if (p >= len) throw new HpackError('truncated string');
      const huff = (block[p] & 0x80) !== 0;
      const n = int(7);
      if (n > len - p) throw new HpackError('string longer than its block');
      const start = p;
      p += n;
      if (!huff) return block.toString('latin1', start, p);
      try {
        return huffmanDecode(block, start, n);
      } catch (e) {
        if (e instanceof HuffmanError) throw new HpackError(e.message);
        throw e;
      }
    };
    const emit = (name: string, value: string) => {
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxListSize) throw new HpackError('header list too large');
      out.push(name, value);
      fieldsSeen = true;
    };
    while (p < len) {
      const b = block[p];
      if (b & 0x80) {
        // indexed field (6.1)
        const [name, value] = this.entry(int(7));
        emit(name, value);
      } else if (b & 0x40) {
        // literal with incremental indexing (6.2.1)
        const idx = int(6);
        const name = idx === 0 ? str() : this.entry(idx)[0];
        const value = str();
        emit(name, value);
        this.add(name, value);
      } else if (b & 0x20) {
        // dynamic table size update (6.3): only before the block's first field
        if (fieldsSeen) throw new HpackError('table size update after a field');
        const size = int(5);
        if (size > this.limit) throw new HpackError('table size update above the limit');
        this.maxSize = size;
        this.evict(0);
      } else {
        // literal without indexing (6.2.2) or never indexed (6.2.3)
        const idx = int(4);
        const name = idx === 0 ? str() : this.entry(idx)[0];
        emit(name, str());
      }
    }
    return out;
  }

  /** Entry `index` of the static table (1-61) then the dynamic one (62 onwards). */
  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const e = this.table[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`index ${index} beyond the tables`);
    return e;
  }

  private add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    // an entry larger than the table empties it and is not added (4.4)
    this.evict(size);
    if (size <= this.maxSize) {
      this.table.unshift([name, value]);
      this.size += size;
    }
  }

  /** Evicts the oldest entries until `room` more octets fit (or the table is empty). */
  private evict(room: number): void {
    while (this.table.length > 0 && this.size + room > this.maxSize) {
      const [n, v] = this.table.pop() as [string, string];
      this.size -= n.length + v.length + ENTRY_OVERHEAD;
    }
  }
}
