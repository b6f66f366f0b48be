// Config of the `syslog` receiver: the collector's syslog receiver keys
// (receiver/syslogreceiver: the syslog_input operator's tcp/udp blocks and
// syslog parser keys, plus the stanza adapter's operators/retry_on_failure),
// with the collector's defaults and Build checks.
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { tlsServerSchema } from '../../src/config/tls-server.js';
import { goRegExp } from '../../src/regexp/go.js';
import { checkSyslogKeys, syslogKeys } from '../../src/stanza/operators/syslog-parser.js';
import { operatorsSchema } from '../../src/stanza/pipeline.js';
import { lookupEncoding } from './decode.js';

/** The tcp input's minimum and default max_log_size (pkg/stanza/operator/input/tcp). */
export const MIN_MAX_LOG_SIZE = 64 * 1024;
export const DEFAULT_MAX_LOG_SIZE = 1024 * 1024;
/** The udp input's largest datagram (MaxUDPSize). */
export const MAX_UDP_SIZE = 64 * 1024;

const validRegex = (r: string | undefined) => {
  if (r === undefined) return true;
  try {
    goRegExp(r, 'm');
    return true;
  } catch {
    return false;
  }
};

const multilineSchema = z
  .strictObject({
    line_start_pattern: z.string().optional(),
    line_end_pattern: z.string().optional(),
    omit_pattern: z.boolean().default(false),
  })
  .refine((m) => !(m.line_start_pattern && m.line_end_pattern), {
    message: 'only one of line_start_pattern or line_end_pattern can be set',
  })
  .refine((m) => validRegex(m.line_start_pattern), {
    message: 'compile line start regex: not a valid regular expression',
    path: ['line_start_pattern'],
  })
  .refine((m) => validRegex(m.line_end_pattern), {
    message: 'compile line end regex: not a valid regular expression',
    path: ['line_end_pattern'],
  });
export type MultilineConfig = z.output<typeof multilineSchema>;

const listenAddress = z
  .string({ message: "missing required parameter 'listen_address'" })
  .refine(
    (s) => /^(\[[^\]]*\]|[^:/\s]*):\d{1,5}$/.test(s) && Number(s.slice(s.lastIndexOf(':') + 1)) < 65536,
    {
      message: 'failed to resolve listen_address: expected <ip>:<port>, e.g. "0.0.0.0:54526"',
    },
  );

const encoding = z
  .string()
  .default('utf-8')
  .refine((e) => lookupEncoding(e) !== undefined, { message: 'unsupported encoding' });

/** What the tcp and udp inputs share (split, trim, encoding, attributes). */
const inputShape = {
  listen_address: listenAddress,
  add_attributes: z.boolean().default(false),
  one_log_per_packet: z.boolean().default(false),
  encoding,
  multiline: multilineSchema.optional(),
  preserve_leading_whitespaces: z.boolean().default(false),
  preserve_trailing_whitespaces: z.boolean().default(false),
};

const noMultilineWithNop = (c: { encoding: string; multiline?: MultilineConfig }) =>
  !(
    lookupEncoding(c.encoding) === 'nop' &&
    (c.multiline?.line_start_pattern || c.multiline?.line_end_pattern)
  );

export const tcpSchema = z
  .strictObject({
    ...inputShape,
    max_log_size: byteSize()
      .default(DEFAULT_MAX_LOG_SIZE)
      .transform((n) => (n === 0 ? DEFAULT_MAX_LOG_SIZE : n))
      .refine((n) => n >= MIN_MAX_LOG_SIZE, {
        message: `invalid value for parameter 'max_log_size', must be equal to or greater than ${MIN_MAX_LOG_SIZE} bytes`,
      }),
    // `tls:` with no value means no TLS (the config layer's null rule)
    tls: tlsServerSchema.optional(),
  })
  .refine(noMultilineWithNop, {
    message: 'multiline patterns cannot be used with encoding nop',
    path: ['multiline'],
  });
export type TcpConfig = z.output<typeof tcpSchema>;

export const udpSchema = z
  .strictObject({
    ...inputShape,
    // a pointer in the collector: `async:` with no value leaves it off
    async: absentWhenNull(
      z
        .strictObject({
          // values <= 0 take the defaults, as the collector's udp Build does
          readers: z
            .number()
            .int()
            .default(1)
            .transform((n) => (n <= 0 ? 1 : n)),
          processors: z
            .number()
            .int()
            .default(1)
            .transform((n) => (n <= 0 ? 1 : n)),
          max_queue_length: z
            .number()
            .int()
            .default(100)
            .transform((n) => (n <= 0 ? 100 : n)),
        })
        .optional(),
    ),
  })
  .refine(noMultilineWithNop, {
    message: 'multiline patterns cannot be used with encoding nop',
    path: ['multiline'],
  });
export type UdpConfig = z.output<typeof udpSchema>;

const retrySchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    initial_interval: duration().default(1000),
    max_interval: duration().default(30_000),
    max_elapsed_time: duration().default(300_000),
  })
  .prefault({});

const staticValues = z.record(
  z.string(),
  z.string().refine((v) => !/^EXPR\(/.test(v), { message: 'EXPR() values are not supported' }),
);

export const configSchema = z
  .strictObject({
    tcp: tcpSchema.optional(),
    udp: udpSchema.optional(),
    ...syslogKeys,
    on_error: z.enum(['send', 'drop', 'send_quiet', 'drop_quiet']).optional(),
    attributes: staticValues.default({}),
    resource: staticValues.default({}),
    operators: operatorsSchema.default([]),
    retry_on_failure: retrySchema,
    /** The stanza adapter's storage key: accepted; the syslog input keeps no state, so it has no effect (as in the collector). */
    storage: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (message: string, path: (string | number)[]) =>
      ctx.addIssue({ code: 'custom', message, path });
    if (!c.tcp && !c.udp) issue('need tcp config or udp config', []);
    checkSyslogKeys(c, (message, p) => issue(message, [p]));
    if (!c.tcp && c.udp && (c.enable_octet_counting || c.non_transparent_framing_trailer !== undefined))
      issue('octet_counting and non_transparent_framing is not compatible with UDP', ['udp']);
  });

export type SyslogReceiverConfig = z.output<typeof configSchema>;
