import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { errorsOf } from '../../test/support/conformance-configs.js';
import { runOperators } from '../../test/support/stanza.js';
import { configSchema } from './config.js';

describe('file_log config', () => {
  it('defaults are the collector’s', () => {
    const c = configSchema.parse({ include: ['/var/log/pods/*/*/*.log'] });
    expect(c).toMatchObject({
      start_at: 'end',
      poll_interval: 200,
      fingerprint_size: 1000,
      max_log_size: 1048576,
      max_concurrent_files: 1024,
      include_file_name: true,
      include_file_path: false,
      force_flush_period: 500,
      encoding: 'utf-8',
      retry_on_failure: {
        enabled: false,
        initial_interval: 1000,
        max_interval: 30000,
        max_elapsed_time: 300000,
      },
      operators: [],
    });
  });
  it('rejects unknown keys, other encodings and a multiline block with both patterns', () => {
    expect(configSchema.safeParse({ include: ['x'], delete_after_read: true }).success).toBe(false);
    expect(configSchema.safeParse({ include: ['x'], encoding: 'utf-16le' }).success).toBe(false);
    expect(
      configSchema.safeParse({
        include: ['x'],
        multiline: { line_start_pattern: 'a', line_end_pattern: 'b' },
      }).success,
    ).toBe(false);
    expect(configSchema.safeParse({}).success).toBe(false);
  });
  it('validate refuses what RE2 refuses, naming the construct (backreference, look-ahead)', () => {
    const cfg = parse(`
receivers:
  file_log:
    include: [/var/log/app.log]
    multiline: { line_start_pattern: '^(?=\\d)' }
    operators:
      - type: regex_parser
        regex: '^(?P<word>\\w+) \\1$'
exporters: { debug: {} }
service: { pipelines: { logs: { receivers: [file_log], exporters: [debug] } } }
`);
    expect(errorsOf(cfg)).toEqual([
      'receivers::file_log::multiline::line_start_pattern: invalid regexp "^(?=\\d)": invalid or unsupported Perl syntax: (?= (look-ahead)',
      'receivers::file_log::operators::0::regex: regex: invalid regexp "^(?P<word>\\w+) \\1$": invalid escape sequence: \\1 (backreferences are not supported in RE2)',
    ]);
  });
  it('accepts the file_log section of config/agent.yaml', () => {
    const doc = parse(readFileSync(new URL('../../config/agent.yaml', import.meta.url), 'utf8'));
    const c = configSchema.parse(doc.receivers.file_log);
    expect(c.operators.map((o) => o.type)).toEqual([
      'container',
      'json_parser',
      'severity_parser',
      'trace_parser',
    ]);
    expect(c.storage).toBe('file_storage');
  });

  it('the agent.yaml operators parse JSON lines with trace context and pass text lines through', () => {
    const doc = parse(readFileSync(new URL('../../config/agent.yaml', import.meta.url), 'utf8'));
    const path = '/var/log/pods/shop_web-1_0123abcd/web/0.log';
    const errors: string[] = [];
    const out = runOperators(
      doc.receivers.file_log.operators,
      [
        {
          body: '2024-01-01T00:00:00.5Z stdout F {"level":"error","msg":"x","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}',
          attributes: { 'log.file.path': path },
        },
        { body: '2024-01-01T00:00:01Z stderr F plain text', attributes: { 'log.file.path': path } },
      ],
      errors,
    );
    expect(errors).toEqual([]);
    expect(out[0].severity).toBe(17);
    expect(Buffer.from(out[0].spanId).toString('hex')).toBe('00f067aa0ba902b7');
    expect(out[1].body).toBe('plain text');
    expect(out[1].resource['k8s.pod.name']).toBe('web-1');
  });
});
