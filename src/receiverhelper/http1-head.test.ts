// The byte reader of request heads (http1-head.ts) against the regular expressions it
// replaced, kept here as the reference: on handwritten heads and on seeded mutations of
// them, both give the same answer ('incomplete', 'other', or the same head field by field).
import { describe, expect, it } from 'vitest';
import { ITERATIONS, mutateBytes, rng, SEED } from '../../test/support/fuzz.js';
import { type HeadResult, MAX_HEAD_BYTES, parseHead } from './http1-head.js';

const END = Buffer.from('\r\n\r\n', 'latin1');
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/1\.1$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;
const TEXT = /^[\x20-\x7e\t]*$/;
const DIGITS = /^[0-9]{1,15}$/;

/** The parser as it was: a latin1 string split into lines, matched by expressions. */
function referenceParseHead(buf: Buffer): HeadResult {
  const end = buf.indexOf(END);
  if (end < 0) {
    if (buf.length >= MAX_HEAD_BYTES) return 'other';
    for (let i = 0; i < buf.length; i++) {
      const c = buf[i];
      if ((c < 0x20 && c !== 0x0d && c !== 0x0a && c !== 0x09) || c >= 0x7f) return 'other';
      if (c === 0x0a && (i === 0 || buf[i - 1] !== 0x0d)) return 'other';
    }
    return 'incomplete';
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

const heads = [
  'POST /v1/traces HTTP/1.1\r\nHost: localhost:4318\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  'POST /v1/logs?x=1 HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
  'POST /v1/logs HTTP/1.1\r\nhost: 127.0.0.1:4318\r\nconnection: keep-alive\r\ncontent-type: application/x-protobuf\r\ncontent-length: 18234\r\n\r\n',
  'POST /v1/metrics HTTP/1.1\r\nHOST: a\r\nX-Empty:\r\nX-Blank: \t \r\nX-Pad:\t v a l \t\r\nCONNECTION: Keep-Alive\r\nContent-Length: 000000000000012\r\n\r\n',
  'POST /v1/traces HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\n Content-Length: 1\r\n\r\n',
  'POST / HTTP/1.1 \r\nHost: a\r\nContent-Length: 1\r\n\r\n',
  'POST  / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n',
  'POST /\r\nHost: a\r\nContent-Length: 1\r\n\r\n',
  'POST / HTTP/1.1\rHost: a\r\nContent-Length: 1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\nContent-Length: 1\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nConnection: upgrade\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 1\r\n\r\n',
  'POST / HTTP/1.1\r\n\r\n',
  '\r\n\r\n',
  'GET / HTTP/1.0\r\nUser-Agent: x\r\n\r\n',
  'POST /v1/logs HTTP/1.1\r\nhost: a\r\ncontent-len',
].map((s) => Buffer.from(s, 'latin1'));

function same(buf: Buffer): void {
  // twice: the second read of the same bytes takes the remembered strings
  for (let i = 0; i < 2; i++) expect(parseHead(buf)).toEqual(referenceParseHead(buf));
}

describe('lean HTTP/1.1 head reader against the expressions it replaced', () => {
  it('handwritten heads: the same result', () => {
    for (const h of heads) same(h);
    expect(parseHead(heads[3])).toMatchObject({
      names: ['host', 'x-empty', 'x-blank', 'x-pad', 'connection', 'content-length'],
      values: ['a', '', '', 'v a l', 'Keep-Alive', '000000000000012'],
      contentLength: 12,
    });
  });

  it(`mutated heads (seed ${SEED}, ${ITERATIONS} per head): the same result`, () => {
    const r = rng(SEED);
    for (const h of heads) {
      let input: Uint8Array = h;
      for (let i = 0; i < ITERATIONS; i++) {
        input = r() < 0.3 ? h : input;
        input = mutateBytes(r, input, heads);
        const buf = Buffer.from(input);
        try {
          same(buf);
        } catch (err) {
          throw new Error(
            `seed ${SEED}, iteration ${i}, input ${JSON.stringify(buf.toString('latin1'))}: ${err}`,
          );
        }
      }
    }
  });
});
