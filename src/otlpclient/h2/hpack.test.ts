// HPACK decoding against blocks made by an encoder that is not ours (the Python `hpack`
// package, Huffman on, a 256-octet table so entries are evicted), and our encoder's blocks
// read back. node:http2's own blocks (nghttp2: Huffman, indexing) are read in the call tests.
import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackError } from './hpack-decoder.js';
import { encodeHeaderBlock } from './hpack-encoder.js';
import { huffmanDecode, huffmanEncode } from './huffman.js';

const A120 = 'a'.repeat(120);

/** Four blocks of one connection, in order: each depends on the dynamic table the ones before left. */
const FOREIGN: [string, string[]][] = [
  [
    '3fe101885f8b1d75d0620d263d4c4d6564408e9acac8b0c842d6958b510f21aa9b903485a9264fafa90b2d03497ea6f66aff6196d07abe9403aa5f29141004e2817ae001700053168dff',
    [
      ':status',
      '200',
      'content-type',
      'application/grpc',
      'grpc-accept-encoding',
      'identity,deflate,gzip',
      'date',
      'Mon, 07 Dec 2026 18:00:00 GMT',
    ],
  ],
  [
    `88c0408a9acac8b16a21e435537f863485a9264faf4085f2b507aa6fcb${'18c63'.repeat(30)}`,
    [':status', '200', 'content-type', 'application/grpc', 'grpc-encoding', 'identity', 'x-long', A120],
  ],
  [
    `40889acac8b21234da8f817b40899acac8b5254207317f884507f0a88121fc5540909acac8b21234da85a42a466a10b466ab90bd0cdbaf7e69446c926fdc4fb31cf5ff4085f2b507aa6fcb${'18c63'.repeat(30)}`,
    [
      'grpc-status',
      '8',
      'grpc-message',
      'slow%20down',
      'grpc-status-details-bin',
      'CAgSCXNsb3cgZG93bhp',
      'x-long',
      A120,
    ],
  ],
  [
    '48836c0cff5f8b1d75d0620d263d4c4d65644086f2b47e92547f91fffe3fffeea7fff8ffffbaa7fff1ffffe3',
    // UTF-8 octets, read as latin1 (one char per octet, as node:http2 reads them)
    [
      ':status',
      '503',
      'content-type',
      'application/grpc',
      'x-bytes',
      Buffer.from('été \xff').toString('latin1'),
    ],
  ],
];

describe('HPACK', () => {
  it("decodes a foreign encoder's blocks: Huffman strings, indexing, evictions, a table size update", () => {
    const d = new HpackDecoder();
    for (const [hex, fields] of FOREIGN) expect(d.decode(Buffer.from(hex, 'hex'))).toEqual(fields);
  });

  it('refuses what the tables and the rules do not allow', () => {
    const bad: [string, string][] = [
      ['ff00', 'index beyond the tables'], // indexed 127+0 with an empty dynamic table
      ['80', 'index 0'],
      ['3fe21f', 'size update above the advertised 4096'],
      ['88' + '3fe101', 'size update after a field'],
      ['0085f2b4', 'string longer than its block'],
      ['0081ff', 'Huffman padding over 7 bits (EOS)'],
      ['008100', 'Huffman padding not ones'],
      ['ffffffffffff', 'integer too large'],
      ['0f', 'truncated name index'],
    ];
    for (const [hex, why] of bad)
      expect(() => new HpackDecoder().decode(Buffer.from(hex, 'hex')), why).toThrow(HpackError);
  });

  it('bounds the decoded header list', () => {
    // 'x: 1000 bytes' literal without indexing, repeated: over the 64 KiB list limit
    const one = encodeHeaderBlock([['x', 'v'.repeat(1000)]]);
    const block = Buffer.concat(Array.from({ length: 70 }, () => one));
    expect(() => new HpackDecoder().decode(block)).toThrow(/too large/);
  });

  it('reads back what our encoder writes (static indexes, literal names, long values, latin1)', () => {
    const fields: [string, string][] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
      [':authority', '127.0.0.1:4317'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['x-long', 'z'.repeat(300)],
      ['x-latin', 'été'],
    ];
    expect(new HpackDecoder().decode(encodeHeaderBlock(fields))).toEqual(fields.flat());
  });

  it('Huffman-decodes every octet and what it encodes', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    for (const s of ['', 'a', 'www.example.com', all, all.repeat(3)]) {
      const h = huffmanEncode(s);
      expect(huffmanDecode(h, 0, h.length)).toBe(s);
    }
    // RFC 7541 C.4.1: "www.example.com"
    expect(huffmanEncode('www.example.com').toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
  });
});
