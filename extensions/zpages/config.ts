// Config of the `zpages` extension: the collector's keys (core
// extension/zpagesextension config.go: confighttp.ServerConfig squashed at the
// top level, plus `expvar.enabled`; factory default endpoint localhost:55679).
// The page serves only GETs, so the request-body keys are accepted and have
// nothing to act on (README).
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize, duration, endpoint } from '../../src/config/schema-types.js';
import { tlsServerSchema } from '../../src/config/tls-server.js';
import { corsSchema } from '../../src/receiverhelper/cors.js';

const notSupported = (what: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message: `${what} is not supported by tsunagi's zpages extension (authenticator extensions are not implemented)`,
    });

export const configSchema = z.strictObject({
  endpoint: endpoint().default('localhost:55679'),
  /** HTTPS; `tls:` with no value means plain HTTP. */
  tls: absentWhenNull(tlsServerSchema.optional()),
  cors: absentWhenNull(corsSchema.optional()),
  auth: notSupported('auth'),
  /** Accepted: the pages take no request bodies. */
  max_request_body_size: byteSize().default(20 * 1024 * 1024),
  /** Accepted: nothing here reads client metadata. */
  include_metadata: z.boolean().default(false),
  response_headers: z.record(z.string(), z.string()).default({}),
  /** Accepted: the pages take no compressed request bodies. */
  compression_algorithms: z.array(z.string()).optional(),
  read_timeout: duration().default(0),
  read_header_timeout: duration().default(60_000),
  /** Accepted; the event stream (/api/events) is long-lived and is never cut by it. */
  write_timeout: duration().default(0),
  idle_timeout: duration().default(60_000),
  keep_alives_enabled: z.boolean().default(true),
  /** /debug/expvarz: the process's memory and V8 heap figures as JSON (Go's expvar has the Go runtime's). */
  expvar: z.strictObject({ enabled: z.boolean().default(false) }).default({ enabled: false }),
});

export type ZPagesConfig = z.output<typeof configSchema>;
