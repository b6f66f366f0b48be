// The action list shared by the attributes and resource processors (the
// collector's internal/coreinternal/attraction ActionKeyValue), with the same
// validation rules and messages.
import { z } from 'zod';
import { goRegExp, regexpError } from '../regexp/go.js';

export const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
export type ActionType = (typeof ACTIONS)[number];

export const actionSchema = z.strictObject({
  key: z.string().optional(),
  value: z.unknown().optional(),
  from_attribute: z.string().optional(),
  from_context: z.string().optional(),
  default_value: z.unknown().optional(),
  pattern: z.string().optional(),
  action: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(ACTIONS)),
  converted_type: z.enum(['int', 'double', 'string']).optional(),
});

export type ActionConfig = z.output<typeof actionSchema>;

const has = (v: unknown) => v !== undefined && v !== null;

/** Adds an issue per invalid action (index i is reported as "the i-th action", as the collector does). */
export function validateActions(
  actions: ActionConfig[],
  ctx: z.RefinementCtx,
  path: (string | number)[],
): void {
  actions.forEach((a, i) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [...path, i], message });
    const sources = [has(a.value), has(a.from_attribute), has(a.from_context)].filter(Boolean).length;
    if (!a.key && !(a.pattern && (a.action === 'delete' || a.action === 'hash'))) {
      fail(`missing required field "key" at the ${i}-th actions`);
      return;
    }
    if (a.pattern) {
      const e = regexpError(a.pattern);
      if (e) {
        fail(e);
        return;
      }
    }
    switch (a.action) {
      case 'insert':
      case 'update':
      case 'upsert':
        if (sources === 0 && !has(a.default_value))
          fail(
            `either field "value", "from_attribute" or "from_context" setting must be specified for ${i}-th action`,
          );
        else if (sources > 1) fail(`due to multiple value sources being set for ${i}-th action`);
        if (a.pattern)
          fail(
            `action "${a.action}" does not support "pattern" field. This must not be specified for ${i}-th action`,
          );
        break;
      case 'delete':
      case 'hash':
        if (sources > 0 || has(a.default_value))
          fail(
            `action "${a.action}" does not use value sources or "default_value". These must not be specified for ${i}-th action`,
          );
        break;
      case 'extract': {
        if (sources > 0)
          fail(
            `action "extract" does not use a value source field. These must not be specified for ${i}-th action`,
          );
        if (!a.pattern) {
          fail(`action "extract" requires field "pattern" for ${i}-th action`);
          break;
        }
        const groups = namedGroups(a.pattern);
        if (groups.length === 0) fail(`field "pattern" contains no named matcher groups for ${i}-th action`);
        break;
      }
      case 'convert':
        if (!a.converted_type)
          fail(`action "convert" requires field "converted_type" (int, double or string) for ${i}-th action`);
        if (sources > 0 || a.pattern)
          fail(`action "convert" does not use value sources or "pattern" for ${i}-th action`);
        break;
    }
  });
}

export function namedGroups(pattern: string): string[] {
  const src = goRegExp(pattern).source;
  const out: string[] = [];
  for (const m of src.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)) out.push(m[1]);
  return out;
}
