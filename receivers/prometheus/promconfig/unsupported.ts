import { z } from 'zod';

/**
 * A Prometheus key tsunagi does not implement: absent is fine, any value is an
 * error that names it (never silently ignored).
 */
export const unsupported = (what: string) =>
  z
    .unknown()
    .optional()
    .superRefine((v, ctx) => {
      if (v !== undefined && v !== null)
        ctx.addIssue({
          code: 'custom',
          message: `${what} is not supported by tsunagi's prometheus receiver`,
        });
    });
