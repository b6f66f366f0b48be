// The inputs' `encoding`: bytes of a log token → text. `utf-8` (invalid
// sequences become U+FFFD, as Go's UTF-8 decoder does), `nop` (no
// validation; Tsunagi decodes such bytes as UTF-8 too, since a record's body
// is text), `utf-16le`/`utf-16be`, `ascii`, and the other labels the WHATWG
// encoding standard knows (big5, shift_jis, iso-8859-1, …). The newline and
// carriage return a line split looks for are the encoding's own bytes.

import { TextDecoder } from 'node:util';

export type Encoding = 'nop' | 'utf-8' | string;

const ALIASES: Record<string, string> = {
  '': 'utf-8',
  utf8: 'utf-8',
  'utf-8': 'utf-8',
  nop: 'nop',
  ascii: 'windows-1252',
  'us-ascii': 'windows-1252',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
};

/** The canonical encoding for a config value, or undefined if it is not supported. */
export function lookupEncoding(name: string): Encoding | undefined {
  const lower = name.trim().toLowerCase();
  const alias = ALIASES[lower];
  if (alias) return alias;
  try {
    return new TextDecoder(lower).encoding;
  } catch {
    return undefined;
  }
}

export interface Decoder {
  /** The bytes of "\n" in this encoding. */
  newline: Buffer;
  /** The bytes of "\r". */
  carriageReturn: Buffer;
  decode(b: Buffer): string;
}

export function makeDecoder(name: string): Decoder {
  const enc = lookupEncoding(name) ?? 'utf-8';
  if (enc === 'utf-8' || enc === 'nop')
    return {
      newline: Buffer.from('\n'),
      carriageReturn: Buffer.from('\r'),
      decode: (b) => b.toString('utf8'),
    };
  const td = new TextDecoder(enc);
  const wide = enc === 'utf-16le' ? 'le' : enc === 'utf-16be' ? 'be' : undefined;
  const encodeAscii = (c: number) =>
    wide === 'le' ? Buffer.from([c, 0]) : wide === 'be' ? Buffer.from([0, c]) : Buffer.from([c]);
  return { newline: encodeAscii(10), carriageReturn: encodeAscii(13), decode: (b) => td.decode(b) };
}
