// Config of `basicauth` (the collector-contrib basicauthextension config.go):
// `htpasswd` (server: file and/or inline) or `client_auth` (client), never both.
import { z } from 'zod';

export const configSchema = z
  .strictObject({
    /** Server side: the users allowed in. */
    htpasswd: z
      .strictObject({
        /** Path to an htpasswd file (read at start). */
        file: z.string().default(''),
        /** htpasswd lines in the config; a user here overrides the same user in `file`. */
        inline: z.string().default(''),
      })
      .optional(),
    /** Client side: the credentials sent by exporters. */
    client_auth: z
      .strictObject({
        username: z.string().default(''),
        password: z.string().default(''),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.htpasswd && c.client_auth)
      ctx.addIssue({ code: 'custom', message: 'only one of `htpasswd` or `client_auth` can be specified' });
    else if (!c.htpasswd && !c.client_auth)
      ctx.addIssue({ code: 'custom', message: 'no credential source provided: set htpasswd or client_auth' });
    else if (c.htpasswd && !c.htpasswd.file && !c.htpasswd.inline)
      ctx.addIssue({
        code: 'custom',
        path: ['htpasswd'],
        message: 'no credential source provided: set file or inline',
      });
    if (c.client_auth?.username.includes(':'))
      ctx.addIssue({
        code: 'custom',
        path: ['client_auth', 'username'],
        message: 'invalid authorization format: a Basic auth username cannot contain ":"',
      });
  });

export type BasicAuthConfig = z.output<typeof configSchema>;
