// Zod building blocks for components that take OTTL in their config: the
// `error_mode` enum and a helper that reports OTTL config errors as issues
// at the YAML path of the statement, with the column.
import { z } from 'zod';
import type { ErrorMode, OttlConfigError } from './group.js';

/** `ignore`, `silent` or `propagate`, case-insensitive as in the collector. */
export const errorModeSchema = () =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z.enum(['ignore', 'silent', 'propagate'], {
        error: (i) => `unknown error mode ${String(i.input)}`,
      }),
    ) as unknown as z.ZodType<ErrorMode, string>;

/** The issue path of an OttlConfigError raised for a group at `base`. */
export function ottlIssuePath(
  base: (string | number)[],
  err: OttlConfigError,
  flat: boolean,
): (string | number)[] {
  if (err.list === undefined) return base;
  if (flat) return [...base.slice(0, -1), err.index];
  return [...base, err.list, err.index];
}
