// Config of the `zipkin` receiver: the collector's keys (contrib
// receiver/zipkinreceiver config.go: confighttp.ServerConfig squashed at the
// top level, plus `parse_string_tags`; factory default endpoint localhost:9411).
import { z } from 'zod';
import { httpServerAuthSchema } from '../../src/config/auth.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { tlsServerSchema } from '../../src/config/tls-server.js';
import { corsSchema } from '../../src/receiverhelper/cors.js';

const nullToEmpty = (v: unknown) => (v === null ? {} : v);
const ENDPOINT_RE = /^(\[[^\]]*\]|[^:/\s]*):\d{1,5}$/;

/** Content-Encodings this receiver can decode ("" = none); the collector also lists zstd and lz4. */
export const SUPPORTED_ENCODINGS = ['', 'gzip', 'zlib', 'deflate', 'snappy'] as const;

export const configSchema = z.preprocess(
  nullToEmpty,
  z.strictObject({
    endpoint: z
      .string()
      .default('localhost:9411')
      .refine((s) => ENDPOINT_RE.test(s), { message: 'expected host:port, e.g. "localhost:9411"' }),
    /** Tags and binary annotations "123", "1.5", "true" become int, double, bool attributes. */
    parse_string_tags: z.boolean().default(false),
    tls: z.preprocess(nullToEmpty, tlsServerSchema).optional(),
    cors: z.preprocess(nullToEmpty, corsSchema).optional(),
    max_request_body_size: byteSize().default(20 * 1024 * 1024),
    include_metadata: z.boolean().default(false),
    response_headers: z.record(z.string(), z.string()).default({}),
    compression_algorithms: z
      .array(z.string())
      .default([...SUPPORTED_ENCODINGS])
      .superRefine((algos, ctx) => {
        for (const a of algos)
          if (!(SUPPORTED_ENCODINGS as readonly string[]).includes(a))
            ctx.addIssue({
              code: 'custom',
              message: `compression algorithm "${a}" is not supported (supported: ${SUPPORTED_ENCODINGS.map((e) => `"${e}"`).join(', ')})`,
            });
      }),
    read_timeout: duration().default(0),
    read_header_timeout: duration().default(60_000),
    write_timeout: duration().default(0),
    idle_timeout: duration().default(60_000),
    keep_alives_enabled: z.boolean().default(true),
    /** A server authenticator extension checks every request's headers before its body is read. */
    auth: httpServerAuthSchema,
  }),
);

export type ZipkinReceiverConfig = z.output<typeof configSchema>;
