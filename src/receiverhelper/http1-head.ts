// A small, strict reader of HTTP/1.1 request heads for the lean HTTP path
// (http1-connection.ts). It recognizes only the common shape of a request:
// `TOKEN SP visible-target SP HTTP/1.1`, header lines `token: visible text`
// ended by CRLF, one Host, one numeric Content-Length, and Connection absent,
// `keep-alive` or `close`. Anything else (chunked bodies, Expect, Upgrade,
// HTTP/1.0, obs-fold, bare LF, control or non-ASCII bytes, duplicated framing
// headers, an oversized head) is "other": the connection is then handed to
// node's HTTP server, which answers it as it always did (400, 431, 100-continue ...).

/** Node's default maxHeaderSize: a longer head is node's to refuse (431). */
export const MAX_HEAD_BYTES = 16 * 1024;

export interface RequestHead {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly target: string;
  /** Header names, lowercased, in order. */
  readonly names: readonly string[];
  /** Header values, leading and trailing blanks removed, aligned with `names`. */
  readonly values: readonly string[];
  readonly contentLength: number;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  /** The client asked to close after this request (`Connection: close`). */
  readonly close: boolean;
  /** Bytes of the head, its final blank line included. */
  readonly length: number;
}

export type HeadResult = RequestHead | 'incomplete' | 'other';

const END = Buffer.from('\r\n\r\n', 'latin1');

// The head is read byte by byte, not as a latin1 string split into lines and matched by
// regular expressions: that took about 6 µs per request (half of the lean path's parsing),
// this about a fifth of it. The rules are the same (http1-head.test.ts compares this reader
// with the expressions it replaced, on mutated heads):
//   request line  ^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/1\.1$
//   header line   visible ASCII, space and tab only; ^(token):[ \t]*(.*?)[ \t]*$
//   Content-Length ^[0-9]{1,15}$

/** 1 for the bytes of an RFC 9110 token (tchar). */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+.^_`|~-") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

const HTTP11 = Buffer.from(' HTTP/1.1', 'latin1');

/**
 * The strings of a head's parts, remembered: a client sends the same method, target, header
 * names and most values request after request, and making a string of a few bytes (a native
 * call) cost more than all the scanning. A direct-mapped cache from the bytes (checked) to the
 * string, as it was made: names are kept lowercased.
 */
class ShortStrings {
  private readonly bytes: (Uint8Array | undefined)[] = new Array(SLOTS);
  private readonly strings: string[] = new Array(SLOTS);
  constructor(private readonly lower: boolean) {}

  of(buf: Buffer, a: number, b: number): string {
    const n = b - a;
    if (n === 0) return '';
    if (n > SHORT_MAX) return this.make(buf, a, b);
    const h = (n * 31 + buf[a] * 17 + buf[b - 1] * 13 + buf[a + (n >> 1)] * 7) & (SLOTS - 1);
    const known = this.bytes[h];
    if (known !== undefined && known.length === n) {
      let i = 0;
      while (i < n && known[i] === buf[a + i]) i++;
      if (i === n) return this.strings[h];
    }
    const s = this.make(buf, a, b);
    this.bytes[h] = Uint8Array.prototype.slice.call(buf, a, b);
    this.strings[h] = s;
    return s;
  }

  private make(buf: Buffer, a: number, b: number): string {
    const s = buf.toString('latin1', a, b);
    return this.lower ? s.toLowerCase() : s;
  }
}

const SLOTS = 256;
/** Longer parts (a long target, a token) are made each time. */
const SHORT_MAX = 128;
const NAMES = new ShortStrings(true);
const TEXTS = new ShortStrings(false);

/** Parses the head at the start of `buf` (a request's first byte at index 0). */
export function parseHead(buf: Buffer): HeadResult {
  const end = buf.indexOf(END);
  if (end < 0) {
    // node counts the head up to its end; past its bound it is node's 431 to give
    if (buf.length >= MAX_HEAD_BYTES) return 'other';
    // a bare LF or a control byte already read: the head cannot be ours
    return suspicious(buf) ? 'other' : 'incomplete';
  }
  const length = end + 4;
  if (length > MAX_HEAD_BYTES) return 'other';
  // request line: method SP target SP HTTP/1.1, then CRLF (or the head's end)
  let i = 0;
  while (i < end && TCHAR[buf[i]] === 1) i++;
  if (i === 0 || buf[i] !== 0x20) return 'other';
  const method = TEXTS.of(buf, 0, i);
  const targetAt = ++i;
  while (i < end && buf[i] >= 0x21 && buf[i] <= 0x7e) i++;
  if (i === targetAt || i + HTTP11.length > end) return 'other';
  const target = TEXTS.of(buf, targetAt, i);
  for (let k = 0; k < HTTP11.length; k++) if (buf[i + k] !== HTTP11[k]) return 'other';
  i += HTTP11.length;
  if (i !== end && (buf[i] !== 0x0d || buf[i + 1] !== 0x0a)) return 'other';
  const names: string[] = [];
  const values: string[] = [];
  let contentLength = -1;
  let contentType: string | undefined;
  let contentEncoding: string | undefined;
  let host = 0;
  let connection: string | undefined;
  while (i < end) {
    const lineAt = i + 2; // after the CRLF ending the previous line
    // the line's end: its CRLF, or the head's end; only visible ASCII, space and tab before it
    let e = lineAt;
    for (; e < end; e++) {
      const c = buf[e];
      if (c === 0x0d && buf[e + 1] === 0x0a) break;
      if ((c < 0x20 && c !== 0x09) || c > 0x7e) return 'other';
    }
    let k = lineAt;
    while (k < e && TCHAR[buf[k]] === 1) k++;
    if (k === lineAt || k === e || buf[k] !== 0x3a) return 'other';
    const name = NAMES.of(buf, lineAt, k);
    let v = k + 1;
    while (v < e && (buf[v] === 0x20 || buf[v] === 0x09)) v++;
    let w = e;
    while (w > v && (buf[w - 1] === 0x20 || buf[w - 1] === 0x09)) w--;
    const value = TEXTS.of(buf, v, w);
    i = e;
    switch (name) {
      case 'content-length': {
        if (contentLength >= 0 || w === v || w - v > 15) return 'other';
        for (let d = v; d < w; d++) if (buf[d] < 0x30 || buf[d] > 0x39) return 'other';
        contentLength = Number(value);
        break;
      }
      case 'content-type':
        if (contentType !== undefined) return 'other';
        contentType = value;
        break;
      case 'content-encoding':
        if (contentEncoding !== undefined) return 'other';
        contentEncoding = value;
        break;
      case 'host':
        if (++host > 1) return 'other';
        break;
      case 'connection':
        if (connection !== undefined) return 'other';
        connection = value.toLowerCase();
        if (connection !== 'keep-alive' && connection !== 'close') return 'other';
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
      case 'http2-settings':
        return 'other';
    }
    names.push(name);
    values.push(value);
  }
  if (contentLength < 0 || host !== 1) return 'other';
  return {
    method,
    target,
    names,
    values,
    contentLength,
    contentType,
    contentEncoding,
    close: connection === 'close',
    length,
  };
}

/** A byte no head of ours contains: a control byte other than CR, LF and tab, DEL or non-ASCII. */
function suspicious(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if ((c < 0x20 && c !== 0x0d && c !== 0x0a && c !== 0x09) || c >= 0x7f) return true;
    // LF not preceded by CR
    if (c === 0x0a && (i === 0 || buf[i - 1] !== 0x0d)) return true;
  }
  return false;
}
