// YAML config of the syslog receiver: the collector fixture and README
// examples are accepted; each Build check of the collector is a clear error
// with its path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { normalizeNulls } from '../../src/config/null-values.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { configSchema } from './config.js';

function errors(yaml: string): string[] {
  // the config layer's null rule runs before every component schema (validate.ts)
  const r = configSchema.safeParse(normalizeNulls(configSchema, parse(yaml) ?? {}));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('syslog receiver config', () => {
  it('accepts the collector fixture and fills the defaults', () => {
    const doc = parse(readFileSync(`${CONFORMANCE_DIR}collector-configs/syslogreceiver.yaml`, 'utf8'));
    const c = configSchema.parse(doc.syslog);
    expect(c.tcp).toMatchObject({
      listen_address: '127.0.0.1:29018',
      max_log_size: 1024 * 1024,
      add_attributes: false,
      one_log_per_packet: false,
      encoding: 'utf-8',
      preserve_leading_whitespaces: false,
      preserve_trailing_whitespaces: false,
    });
    expect(c).toMatchObject({
      protocol: 'rfc5424',
      location: 'UTC',
      enable_octet_counting: false,
      allow_skip_pri_header: false,
      max_octets: 0,
      attributes: {},
      resource: {},
      operators: [],
      retry_on_failure: {
        enabled: false,
        initial_interval: 1000,
        max_interval: 30_000,
        max_elapsed_time: 300_000,
      },
    });
  });

  it('accepts the README examples and every documented key', () => {
    expect(errors('udp:\n  listen_address: "0.0.0.0:54526"\nprotocol: rfc3164\nlocation: UTC')).toEqual([]);
    expect(
      errors(`tcp:
  listen_address: 0.0.0.0:6514
  max_log_size: 2MiB
  add_attributes: true
  encoding: utf-16le
  multiline: { line_start_pattern: '^<' , omit_pattern: false }
  preserve_leading_whitespaces: true
  preserve_trailing_whitespaces: true
  tls: { cert_file: a.crt, key_file: a.key, client_ca_file: ca.crt, min_version: "1.3" }
protocol: RFC5424
enable_octet_counting: true
max_octets: 16384
on_error: drop_quiet
attributes: { site: dc1 }
resource: { service.name: fw }
retry_on_failure: { enabled: true, initial_interval: 2s }
operators:
  - type: key_value_parser
    parse_from: attributes.message
`),
    ).toEqual([]);
    expect(
      errors(
        'udp: { listen_address: "127.0.0.1:5140", one_log_per_packet: true, async: { readers: 2, processors: 4, max_queue_length: 1000 } }\nprotocol: rfc5424\nallow_skip_pri_header: true',
      ),
    ).toEqual([]);
  });

  it('a key with no value means its defaults; tls with no value means no TLS', () => {
    const raw = parse(
      'tcp:\n  listen_address: 127.0.0.1:1\n  tls:\n  multiline:\nprotocol: rfc5424\nretry_on_failure:\noperators:',
    );
    const c = configSchema.parse(normalizeNulls(configSchema, raw));
    expect(c.tcp?.tls).toBeUndefined();
    expect(c.tcp?.multiline?.line_start_pattern).toBeUndefined();
    expect(c.retry_on_failure.enabled).toBe(false);
    expect(c.operators).toEqual([]);
    // a pointer in the collector: `async:` with no value leaves it off
    const u = parse('udp:\n  listen_address: 127.0.0.1:1\n  async:\nprotocol: rfc5424');
    expect(configSchema.parse(normalizeNulls(configSchema, u)).udp?.async).toBeUndefined();
  });

  it('refuses what the collector refuses, with the path', () => {
    expect(errors('protocol: rfc5424')).toEqual([': need tcp config or udp config']);
    expect(errors('tcp:\nprotocol: rfc5424')).toEqual([
      "tcp.listen_address: missing required parameter 'listen_address'",
    ]);
    expect(errors('tcp: { listen_address: localhost }\nprotocol: rfc5424')[0]).toMatch(
      /^tcp\.listen_address: failed to resolve/,
    );
    expect(errors('tcp: { listen_address: "127.0.0.1:1" }')).toEqual(["protocol: missing field 'protocol'"]);
    expect(errors('tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc9999')).toEqual([
      'protocol: unsupported protocol version: rfc9999 (rfc3164 or rfc5424)',
    ]);
    expect(errors('tcp: { listen_address: "127.0.0.1:1", max_log_size: 1000 }\nprotocol: rfc5424')).toEqual([
      "tcp.max_log_size: invalid value for parameter 'max_log_size', must be equal to or greater than 65536 bytes",
    ]);
    expect(
      errors('udp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc5424\nenable_octet_counting: true'),
    ).toEqual(['udp: octet_counting and non_transparent_framing is not compatible with UDP']);
    expect(
      errors(
        'tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc3164\nnon_transparent_framing_trailer: LF',
      ),
    ).toEqual([
      'protocol: octet_counting and non_transparent_framing are only compatible with protocol rfc5424',
    ]);
    expect(
      errors('tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc3164\nlocation: Nowhere/City'),
    ).toEqual(['location: failed to load location Nowhere/City: unknown time zone']);
    expect(errors('tcp: { listen_address: "127.0.0.1:1", encoding: klingon }\nprotocol: rfc5424')).toEqual([
      'tcp.encoding: unsupported encoding',
    ]);
    expect(
      errors(
        'tcp: { listen_address: "127.0.0.1:1", multiline: { line_start_pattern: a, line_end_pattern: b } }\nprotocol: rfc5424',
      ),
    ).toEqual(['tcp.multiline: only one of line_start_pattern or line_end_pattern can be set']);
    expect(
      errors(
        'tcp: { listen_address: "127.0.0.1:1", encoding: nop, multiline: { line_end_pattern: x } }\nprotocol: rfc5424',
      ),
    ).toEqual(['tcp.multiline: multiline patterns cannot be used with encoding nop']);
    expect(errors('tcp: { listen_address: "127.0.0.1:1", tls: { key_file: k } }\nprotocol: rfc5424')).toEqual(
      ['tcp.tls: a TLS server needs both a certificate (cert_file/cert_pem) and a key (key_file/key_pem)'],
    );
    expect(errors('tcp: { listen_address: "127.0.0.1:1", lisen: x }\nprotocol: rfc5424')[0]).toMatch(
      /^tcp: .*lisen/,
    );
    expect(
      errors('udp: { listen_address: "127.0.0.1:1", max_log_size: 1MiB }\nprotocol: rfc5424')[0],
    ).toMatch(/^udp: .*max_log_size/);
    expect(errors('tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc5424\non_error: ignore')[0]).toMatch(
      /^on_error/,
    );
    expect(
      errors('tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc5424\nattributes: { a: "EXPR(1)" }'),
    ).toEqual(['attributes.a: EXPR() values are not supported']);
    expect(
      errors(
        'tcp: { listen_address: "127.0.0.1:1" }\nprotocol: rfc5424\noperators: [ { type: csv_parser } ]',
      ),
    ).toEqual(["operators.0.header: missing required field 'header' or 'header_attribute'"]);
  });
});
