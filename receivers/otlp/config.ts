// Config of the `otlp` receiver: the collector's `protocols.grpc` (configgrpc
// ServerConfig) and `protocols.http` (confighttp ServerConfig) keys and defaults.
// A protocol key present with a null value (`grpc:`) is enabled with defaults;
// an absent key is disabled; at least one must be enabled (collector config.go).
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, duration } from '../../src/config/schema-types.js';
import { type TlsServerConfig, tlsServerObject } from '../../src/config/tls-server.js';
import { corsSchema } from '../../src/receiverhelper/cors.js';
import { DEFAULT_MAX_CONCURRENT_STREAMS } from '../../src/receiverhelper/grpc-server.js';

const nullToEmpty = (v: unknown) => (v === null ? {} : v);

const notSupported = (what: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message: `${what} is not supported by tsunagi's otlp receiver (authenticator extensions are not implemented)`,
    });

// `tls`: the one server TLS block every receiver shares (src/config/tls-server.ts).
export type TlsConfig = TlsServerConfig;

const keepaliveSchema = z.strictObject({
  server_parameters: z
    .preprocess(
      nullToEmpty,
      z.strictObject({
        max_connection_idle: duration().optional(),
        max_connection_age: duration().optional(),
        max_connection_age_grace: duration().optional(),
        time: duration().optional(),
        timeout: duration().optional(),
      }),
    )
    .optional(),
  enforcement_policy: z
    .preprocess(
      nullToEmpty,
      z.strictObject({
        min_time: duration().optional(),
        permit_without_stream: z.boolean().default(false),
      }),
    )
    .optional(),
});

const TRANSPORTS = ['tcp', 'tcp4', 'tcp6', 'unix'] as const;

export const grpcSchema = z.strictObject({
  endpoint: z.string().default('localhost:4317'),
  transport: z.enum(TRANSPORTS).default('tcp'),
  tls: absentWhenNull(tlsServerObject.optional()), // `tls:` with no value: no TLS (configoptional.None)
  max_recv_msg_size_mib: z.number().int().nonnegative().default(4),
  // The collector's default 0 is unlimited; unlimited, half-open streams held memory without bound
  // (src/receiverhelper/grpc-server.ts). An explicit 0 still means unlimited.
  max_concurrent_streams: z.number().int().nonnegative().default(DEFAULT_MAX_CONCURRENT_STREAMS),
  /** Accepted for compatibility; grpc-js has no socket buffer knobs (tuning only, no semantic effect). */
  read_buffer_size: byteSize().default(512 * 1024),
  write_buffer_size: byteSize().default(0),
  keepalive: z.preprocess(nullToEmpty, keepaliveSchema).optional(),
  include_metadata: z.boolean().default(false),
  auth: notSupported('protocols.grpc.auth'),
});
export type GrpcConfig = z.output<typeof grpcSchema>;

export type { CorsConfig } from '../../src/receiverhelper/cors.js';

/** Content-Encodings this receiver can decode ("" = uncompressed). */
export const SUPPORTED_ENCODINGS = ['', 'gzip', 'zlib', 'deflate', 'snappy'] as const;

/** The collector's url path rule: a missing leading "/" is added. */
const urlPath = (def: string) =>
  z
    .string()
    .default(def)
    .transform((p) => (p.startsWith('/') ? p : `/${p}`));

export const httpSchema = z.strictObject({
  endpoint: z.string().default('localhost:4318'),
  tls: absentWhenNull(tlsServerObject.optional()),
  traces_url_path: urlPath('/v1/traces'),
  metrics_url_path: urlPath('/v1/metrics'),
  logs_url_path: urlPath('/v1/logs'),
  max_request_body_size: byteSize().default(20 * 1024 * 1024),
  include_metadata: z.boolean().default(false),
  cors: absentWhenNull(corsSchema.optional()),
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
  /** Max time to read a whole request (0 = no limit). */
  read_timeout: duration().default(0),
  read_header_timeout: duration().default(60_000),
  idle_timeout: duration().default(60_000),
  keep_alives_enabled: z.boolean().default(true),
  auth: notSupported('protocols.http.auth'),
});
export type HttpConfig = z.output<typeof httpSchema>;

const ENDPOINT_RE = /^(\[[^\]]*\]|[^:/\s]*):\d{1,5}$/;

export const configSchema = z
  .strictObject({
    protocols: z
      .preprocess(
        nullToEmpty,
        z.strictObject({
          grpc: z.preprocess(nullToEmpty, grpcSchema).optional(),
          http: z.preprocess(nullToEmpty, httpSchema).optional(),
        }),
      )
      .default({}),
  })
  .superRefine((cfg, ctx) => {
    const { grpc, http } = cfg.protocols;
    if (!grpc && !http)
      ctx.addIssue({
        code: 'custom',
        path: ['protocols'],
        message: 'must specify at least one protocol when using the OTLP receiver',
      });
    if (grpc && grpc.transport !== 'unix' && !ENDPOINT_RE.test(grpc.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['protocols', 'grpc', 'endpoint'],
        message: 'expected host:port, e.g. "localhost:4317"',
      });
    if (http && !ENDPOINT_RE.test(http.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['protocols', 'http', 'endpoint'],
        message: 'expected host:port, e.g. "localhost:4318"',
      });
  });

export type OtlpReceiverConfig = z.output<typeof configSchema>;
