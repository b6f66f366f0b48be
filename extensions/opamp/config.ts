// Config of the `opamp` extension: the collector-contrib extension/opampextension
// keys (config.go, config.schema.yaml, README.md): `server` with exactly one of
// `ws` / `http` (endpoint, headers, tls, auth; http also polling_interval,
// default 30s), `instance_uid` (a UUID string), `capabilities`, `agent_description`,
// `ppid`, `ppid_poll_interval` (default 5s). One key is Tsunagi's own and
// marked so: `capabilities.accepts_remote_config` (the collector's extension
// leaves remote config to its supervisor).
import { z } from 'zod';
import { absentWhenNull } from '../../src/config/null-values.js';
import { duration } from '../../src/config/schema-types.js';
import { tlsClientSchema } from '../../src/config/tls-client.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const endpointUrl = (schemes: readonly string[]) =>
  z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      if (!v) {
        ctx.addIssue({ code: 'custom', message: 'opamp server endpoint must be provided' });
        return;
      }
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a URL` });
        return;
      }
      const scheme = u.protocol.slice(0, -1);
      if (!schemes.includes(scheme))
        ctx.addIssue({
          code: 'custom',
          message: `the endpoint's scheme must be ${schemes.join(' or ')}, not "${scheme}"`,
        });
    });

const common = {
  /** Headers sent with the WebSocket upgrade / every HTTP request (configopaque values). */
  headers: z.record(z.string(), z.string()).default({}),
  tls: tlsClientSchema,
  /** The ID of a client authenticator extension (bearertokenauth, headers_setter, basicauth). */
  auth: absentWhenNull(z.string().min(1).optional()),
};

const wsSchema = z.strictObject({ endpoint: endpointUrl(['ws', 'wss']), ...common });
const httpSchema = z.strictObject({
  endpoint: endpointUrl(['http', 'https']),
  ...common,
  /** How often the agent polls the server (the OpAMP spec's default, 30s; 0 = the default). */
  polling_interval: duration()
    .default(30_000)
    .refine((ms) => ms >= 0, { message: 'polling interval must be 0 or greater' }),
});

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        ws: absentWhenNull(wsSchema.optional()),
        http: absentWhenNull(httpSchema.optional()),
      })
      .prefault({}),
    /** A UUID (canonical 36-character form); made at start (from service.instance.id if that is a UUID) when unset. */
    instance_uid: z
      .string()
      .optional()
      .refine((v) => !v || UUID_RE.test(v), { message: 'opamp instance_uid is invalid' }),
    capabilities: z
      .strictObject({
        reports_effective_config: z.boolean().default(true),
        reports_health: z.boolean().default(true),
        reports_available_components: z.boolean().default(true),
        /** The collector's key: accepted; Tsunagi does not restart itself, so the capability is not reported. */
        accepts_restart_command: z.boolean().default(false),
        /**
         * Tsunagi's own: accept remote config from the server and apply it through
         * the hot-reload path (validate, then apply by difference). Off by default.
         */
        accepts_remote_config: z.boolean().default(false),
      })
      .prefault({}),
    agent_description: z
      .strictObject({
        non_identifying_attributes: z.record(z.string(), z.string()).default({}),
        include_resource_attributes: z.boolean().default(false),
      })
      .prefault({}),
    /** The parent's PID (set by a supervisor): when it is gone, the process stops. */
    ppid: z.number().int().min(0).default(0),
    ppid_poll_interval: duration().default(5000),
  })
  .superRefine((c, ctx) => {
    if (!c.server.ws && !c.server.http)
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: 'opamp server must have at least ws or http set',
      });
    else if (c.server.ws && c.server.http)
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: 'opamp server must have only ws or http set',
      });
  });

export type OpampConfig = z.output<typeof configSchema>;
