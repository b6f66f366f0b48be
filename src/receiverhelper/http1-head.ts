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
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/1\.1$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
/** Bytes a head may contain outside CRLF: visible ASCII, space and tab. */
const TEXT = /^[\x20-\x7e\t]*$/;
const DIGITS = /^[0-9]{1,15}$/;

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
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const first = REQUEST_LINE.exec(lines[0]);
  if (first === null) return 'other';
  const names: string[] = [];
  const values: string[] = [];
  let contentLength = -1;
  let contentType: string | undefined;
  let contentEncoding: string | undefined;
  let host = 0;
  let connection: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!TEXT.test(line)) return 'other';
    const m = HEADER_LINE.exec(line);
    if (m === null) return 'other';
    const name = m[1].toLowerCase();
    const value = m[2];
    switch (name) {
      case 'content-length':
        if (contentLength >= 0 || !DIGITS.test(value)) return 'other';
        contentLength = Number(value);
        break;
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
    method: first[1],
    target: first[2],
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
