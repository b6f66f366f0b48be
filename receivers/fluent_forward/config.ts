// Config of the `fluent_forward` receiver. The collector's keys (contrib
// receiver/fluentforwardreceiver config.go): `endpoint`, `max_connections`,
// `refuse_over_limit`. Tsunagi extensions, which the collector does not have:
// `security` (fluentd in_forward's <security>: shared key handshake and user
// auth), `tls`, and `chunk_size_limit` (fluentd's name for the frame bound).
import { hostname } from 'node:os';
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { byteSize } from '../../src/config/schema-types.js';
import { tlsServerSchema } from '../../src/config/tls-server.js';

const nullToEmpty = (v: unknown) => (v === null ? {} : v);

const HOST_PORT = /^(\[[^\]]*\]|[^:/\s]*):\d{1,5}$/;

const securitySchema = z
  .strictObject({
    /** Required: the key both sides hash into the handshake. */
    shared_key: z.string().min(1, 'security.shared_key must not be empty'),
    /** The server hostname sent in PONG (fluentd: self_hostname). */
    self_hostname: z.string().default(hostname()),
    /** Require a username/password from `users` in the PING (fluentd: user_auth). */
    user_auth: z.boolean().default(false),
    users: z.array(z.strictObject({ username: z.string(), password: z.string() })).default([]),
  })
  .refine((s) => !s.user_auth || s.users.length > 0, {
    message: 'security.user_auth needs at least one entry in security.users',
    path: ['users'],
  });

export const configSchema = z.preprocess(
  nullToEmpty,
  z
    .strictObject({
      /** `host:port` (TCP, plus UDP heartbeats on the same port) or `unix://path`. */
      endpoint: z.string().optional(),
      /** Connections open at once (0 = unlimited); over it, new ones wait unread until one closes. */
      max_connections: z
        .number()
        .int()
        .min(0, 'max_connections must be greater than or equal to 0')
        .default(0),
      /** Close connections over max_connections at once instead of letting them wait. */
      refuse_over_limit: z.boolean().default(false),
      // ---- Tsunagi extensions ----
      security: absentWhenNull(z.preprocess(nullToEmpty, securitySchema).optional()), // bare: no security
      tls: z.preprocess(nullToEmpty, tlsServerSchema).optional(),
      /** The largest frame accepted (on the wire, and inflated for gzip). */
      chunk_size_limit: byteSize().default(64 * 1024 * 1024),
    })
    .superRefine((cfg, ctx) => {
      if (cfg.endpoint === undefined || cfg.endpoint === '') {
        // The collector's default is an empty endpoint, i.e. a random port on every interface:
        // no sender could find it, so it is required here.
        ctx.addIssue({
          code: 'custom',
          path: ['endpoint'],
          message: 'endpoint is required: "host:port" (e.g. "0.0.0.0:24224") or "unix:///path/to.sock"',
        });
      } else if (
        !cfg.endpoint.startsWith('unix://') &&
        !cfg.endpoint.startsWith('/') &&
        !HOST_PORT.test(cfg.endpoint)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoint'],
          message: 'expected "host:port" (e.g. "0.0.0.0:24224") or "unix:///path/to.sock"',
        });
      }
      if (cfg.refuse_over_limit && cfg.max_connections === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['refuse_over_limit'],
          message: 'refuse_over_limit requires max_connections to be greater than 0',
        });
      }
    }),
);

export type FluentForwardConfig = z.output<typeof configSchema>;

/** The socket path of a `unix://path` (or bare `/path`) endpoint, else undefined. */
export function unixPath(endpoint: string): string | undefined {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('/')) return endpoint;
  return undefined;
}
