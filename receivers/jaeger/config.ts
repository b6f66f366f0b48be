// Config of the `jaeger` receiver: the collector's keys (contrib
// receiver/jaegerreceiver). Only the protocols named are served; a protocol
// given with no value (`grpc:`) gets its defaults.
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, endpoint } from '../../src/config/schema-types.js';
import { type TlsServerConfig, tlsServerObject } from '../../src/config/tls-server.js';
import { DEFAULT_MAX_CONCURRENT_STREAMS } from '../../src/receiverhelper/grpc-server.js';

/** `key:` with no value is YAML null: treat it as an empty map so defaults apply. */
const orEmpty = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === null ? {} : v), s);

// `tls`: the one server TLS block every receiver shares (src/config/tls-server.ts).
export type ServerTlsConfig = TlsServerConfig;

const udpSchema = (defaultEndpoint: string) =>
  orEmpty(
    z.strictObject({
      endpoint: endpoint().default(defaultEndpoint),
      /** Datagrams waiting for a worker; beyond this they are dropped (and counted). */
      queue_size: z.number().int().positive().default(1000),
      /** Larger datagrams are refused. */
      max_packet_size: byteSize().default(65_000),
      /** Datagrams processed concurrently (each one consume() in flight). */
      workers: z.number().int().positive().default(10),
      /** SO_RCVBUF in bytes; 0 keeps the OS default. */
      socket_buffer_size: byteSize().default(0),
    }),
  );

const grpcSchema = orEmpty(
  z.strictObject({
    endpoint: endpoint().default('localhost:14250'),
    tls: absentWhenNull(tlsServerObject.optional()), // `tls:` with no value: no TLS
    max_recv_msg_size_mib: z.number().positive().default(4),
    // configgrpc's key; the collector's default 0 is unlimited (see src/receiverhelper/grpc-server.ts)
    max_concurrent_streams: z.number().int().nonnegative().default(DEFAULT_MAX_CONCURRENT_STREAMS),
    include_metadata: z.boolean().default(false),
  }),
);

const httpSchema = orEmpty(
  z.strictObject({
    endpoint: endpoint().default('localhost:14268'),
    tls: absentWhenNull(tlsServerObject.optional()),
    max_request_body_size: byteSize().default(20 * 1024 * 1024),
    include_metadata: z.boolean().default(false),
  }),
);

export const configSchema = orEmpty(
  z.strictObject({
    protocols: z
      .strictObject({
        grpc: grpcSchema.optional(),
        thrift_http: httpSchema.optional(),
        thrift_compact: udpSchema('localhost:6831').optional(),
        thrift_binary: udpSchema('localhost:6832').optional(),
      })
      .nullable()
      .default(null)
      .refine((p) => p !== null && Object.values(p).some((v) => v !== undefined), {
        message: 'must specify at least one protocol when using the Jaeger receiver',
      }),
  }),
);

export type JaegerReceiverConfig = z.output<typeof configSchema>;
export type UdpConfig = NonNullable<NonNullable<JaegerReceiverConfig['protocols']>['thrift_compact']>;
export type GrpcConfig = NonNullable<NonNullable<JaegerReceiverConfig['protocols']>['grpc']>;
export type HttpConfig = NonNullable<NonNullable<JaegerReceiverConfig['protocols']>['thrift_http']>;
