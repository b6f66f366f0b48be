// Config of `bearertokenauth` (the collector-contrib bearertokenauthextension
// config.go): header, scheme, token | tokens | filename.
import { z } from 'zod';

export const configSchema = z
  .strictObject({
    /** The header that carries the token. */
    header: z.string().min(1).default('Authorization'),
    /** Put before the token with one space ("Bearer <token>"); "" sends the bare token. */
    scheme: z.string().default('Bearer'),
    /** One static token. */
    token: z.string().optional(),
    /** Several static tokens: a server accepts any of them, a client sends the first. */
    tokens: z.array(z.string()).optional(),
    /** A file with the token(s), one per line; re-read when it changes. Wins over token/tokens. */
    filename: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.token && !c.tokens?.length && !c.filename)
      ctx.addIssue({ code: 'custom', message: 'no bearer token provided: set token, tokens or filename' });
    if (c.token && c.tokens?.length)
      ctx.addIssue({ code: 'custom', message: 'either tokens or token should be provided, not both' });
  });

export type BearerTokenAuthConfig = z.output<typeof configSchema>;
