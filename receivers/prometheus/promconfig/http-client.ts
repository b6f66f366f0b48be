// The HTTP client block Prometheus shares between scrape configs and service
// discovery (prometheus/common config.HTTPClientConfig): basic_auth,
// authorization, bearer_token(_file), tls_config, http_headers. OAuth2 and
// proxies are refused with a clear message rather than ignored.
import { z } from 'zod';
import { unsupported } from './unsupported.js';

export const tlsConfigSchema = z
  .strictObject({
    ca: z.string().optional(),
    ca_file: z.string().optional(),
    ca_ref: unsupported('tls_config.ca_ref (credential store references)'),
    cert: z.string().optional(),
    cert_file: z.string().optional(),
    cert_ref: unsupported('tls_config.cert_ref (credential store references)'),
    key: z.string().optional(),
    key_file: z.string().optional(),
    key_ref: unsupported('tls_config.key_ref (credential store references)'),
    server_name: z.string().optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
    max_version: z.enum(['TLS10', 'TLS11', 'TLS12', 'TLS13']).optional(),
  })
  .superRefine((t, ctx) => {
    const one = (a: keyof typeof t, b: keyof typeof t, what: string) => {
      if (t[a] !== undefined && t[b] !== undefined)
        ctx.addIssue({ code: 'custom', message: `at most one of ${what} & ${what}_file must be configured` });
    };
    one('ca', 'ca_file', 'ca');
    one('cert', 'cert_file', 'cert');
    one('key', 'key_file', 'key');
    const hasCert = t.cert !== undefined || t.cert_file !== undefined;
    const hasKey = t.key !== undefined || t.key_file !== undefined;
    if (hasCert && !hasKey)
      ctx.addIssue({
        code: 'custom',
        message: 'exactly one of key or key_file must be configured when a client certificate is configured',
      });
    if (hasKey && !hasCert)
      ctx.addIssue({
        code: 'custom',
        message: 'exactly one of cert or cert_file must be configured when a client key is configured',
      });
  });
export type TlsConfig = z.output<typeof tlsConfigSchema>;

const basicAuthSchema = z
  .strictObject({
    username: z.string().default(''),
    username_file: z.string().optional(),
    username_ref: unsupported('basic_auth.username_ref (credential store references)'),
    password: z.string().optional(),
    password_file: z.string().optional(),
    password_ref: unsupported('basic_auth.password_ref (credential store references)'),
  })
  .superRefine((b, ctx) => {
    if (b.username !== '' && b.username_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'at most one of basic_auth username & username_file must be configured',
      });
    if (b.password !== undefined && b.password_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'at most one of basic_auth password & password_file must be configured',
      });
  });

const authorizationSchema = z
  .strictObject({
    type: z.string().default('Bearer'),
    credentials: z.string().optional(),
    credentials_file: z.string().optional(),
    credentials_ref: unsupported('authorization.credentials_ref (credential store references)'),
  })
  .superRefine((a, ctx) => {
    if (a.type.toLowerCase() === 'basic')
      ctx.addIssue({
        code: 'custom',
        message: `authorization type cannot be set to "basic", use "basic_auth" instead`,
      });
    if (a.credentials !== undefined && a.credentials_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'at most one of authorization credentials & credentials_file must be configured',
      });
  });

const headerSchema = z.strictObject({
  values: z.array(z.string()).default([]),
  secrets: z.array(z.string()).default([]),
  files: z.array(z.string()).default([]),
});

/** Headers Prometheus reserves for itself (prometheus/common config.reservedHeaders). */
const RESERVED_HEADERS = [
  'authorization',
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-prometheus-scrape-timeout-seconds',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
];

export const httpClientShape = {
  basic_auth: basicAuthSchema.optional(),
  authorization: authorizationSchema.optional(),
  bearer_token: z.string().optional(),
  bearer_token_file: z.string().optional(),
  tls_config: tlsConfigSchema.prefault({}),
  follow_redirects: z.boolean().default(true),
  /** Accepted for compatibility; scrapes use HTTP/1.1 keep-alive connections. */
  enable_http2: z.boolean().default(true),
  http_headers: z
    .record(z.string(), headerSchema)
    .optional()
    .superRefine((h, ctx) => {
      for (const name of Object.keys(h ?? {}))
        if (RESERVED_HEADERS.includes(name.toLowerCase()))
          ctx.addIssue({ code: 'custom', message: `setting header "${name}" is not allowed` });
    }),
  oauth2: unsupported('oauth2'),
  proxy_url: unsupported('proxy_url'),
  no_proxy: unsupported('no_proxy'),
  proxy_from_environment: z
    .boolean()
    .optional()
    .refine((v) => v !== true, { message: 'proxy_from_environment is not supported by tsunagi' }),
  proxy_connect_header: unsupported('proxy_connect_header'),
};

export interface HttpClientConfig {
  basic_auth?: z.output<typeof basicAuthSchema>;
  authorization?: z.output<typeof authorizationSchema>;
  bearer_token?: string;
  bearer_token_file?: string;
  tls_config: TlsConfig;
  follow_redirects: boolean;
  enable_http2: boolean;
  http_headers?: Record<string, z.output<typeof headerSchema>>;
}

/** Prometheus's HTTPClientConfig.Validate: one way to authenticate. */
export function checkHttpClient(c: HttpClientConfig, addIssue: (message: string) => void): void {
  if (c.bearer_token !== undefined && c.bearer_token_file !== undefined)
    addIssue('at most one of bearer_token & bearer_token_file must be configured');
  const bearer = c.bearer_token !== undefined || c.bearer_token_file !== undefined;
  if (c.basic_auth && bearer)
    addIssue('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  if (c.authorization && bearer)
    addIssue('authorization is not compatible with bearer_token & bearer_token_file');
  if (c.authorization && c.basic_auth)
    addIssue('at most one of basic_auth, oauth2 & authorization must be configured');
}
