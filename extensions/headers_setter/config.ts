// Config of `headers_setter` (the collector-contrib headerssetterextension
// config.go): a list of headers, each with a key, an action and one source.
import { z } from 'zod';

export const ACTIONS = ['insert', 'update', 'upsert', 'delete'] as const;

const notSupported = (what: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, { message: `${what} is not supported by tsunagi's headers_setter` });

const headerSchema = z
  .strictObject({
    /** The header name. */
    key: z.string().optional(),
    /** What to do with the header; the collector's default (with a warning) is upsert. */
    action: z.enum(ACTIONS).optional(),
    /** A fixed value. */
    value: z.string().optional(),
    /** The value of this request-metadata key (e.g. a header of the incoming request), or `auth.<attr>`. */
    from_context: z.string().optional(),
    /** The value of this attribute of the request's authentication data (basicauth: username, raw). */
    from_attribute: z.string().optional(),
    /** Used when from_context / from_attribute finds nothing. */
    default_value: z.string().optional(),
    value_file: notSupported('value_file'),
  })
  .superRefine((h, ctx) => {
    if (!h.key) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'missing header name' });
      return;
    }
    if (h.action === 'delete') return;
    const sources = [h.value, h.from_context, h.from_attribute].filter((s) => s !== undefined).length;
    if (sources === 0)
      ctx.addIssue({
        code: 'custom',
        message: "missing header source, must be 'from_context', 'from_attribute' or 'value'",
      });
    else if (sources > 1)
      ctx.addIssue({
        code: 'custom',
        message: "invalid header source, must either 'from_context', 'from_attribute' or 'value'",
      });
  });

export const configSchema = z
  .strictObject({
    headers: z.array(headerSchema).optional(),
    additional_auth: notSupported('additional_auth (chaining another client authenticator)'),
  })
  .superRefine((c, ctx) => {
    if (!c.headers?.length)
      ctx.addIssue({ code: 'custom', path: ['headers'], message: 'missing headers configuration' });
  });

export type HeadersSetterConfig = z.output<typeof configSchema>;
export type HeaderConfig = NonNullable<HeadersSetterConfig['headers']>[number];
