// The collector's legacy include/exclude matcher (internal/filter/filterconfig
// MatchProperties), used by the attributes processor's `include`/`exclude`.
import { z } from 'zod';
import { absentWhenNull } from '../config/null-values.js';
import { regexpError } from '../regexp/go.js';

const kvSchema = z.strictObject({ key: z.string(), value: z.unknown().optional() });

export const matchPropertiesSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp']),
    regexp: absentWhenNull(
      z
        .strictObject({
          cacheenabled: z.boolean().optional(),
          cachemaxnumentries: z.number().int().optional(),
        })
        .optional(),
    ),
    services: z.array(z.string()).optional(),
    span_names: z.array(z.string()).optional(),
    span_kinds: z.array(z.string()).optional(),
    attributes: z.array(kvSchema).optional(),
    resources: z.array(kvSchema).optional(),
    libraries: z.array(z.strictObject({ name: z.string(), version: z.string().optional() })).optional(),
    log_bodies: z.array(z.string()).optional(),
    log_severity_texts: z.array(z.string()).optional(),
    log_severity_number: absentWhenNull(
      z
        .strictObject({
          min: z.union([z.number().int(), z.string()]),
          match_undefined: z.boolean().default(false),
        })
        .optional(),
    ),
    metric_names: z.array(z.string()).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.match_type !== 'regexp') return;
    const lists: [string, string[] | undefined][] = [
      ['services', m.services],
      ['span_names', m.span_names],
      ['span_kinds', m.span_kinds],
      ['log_bodies', m.log_bodies],
      ['log_severity_texts', m.log_severity_texts],
      ['metric_names', m.metric_names],
      ['libraries', m.libraries?.map((l) => l.name)],
    ];
    for (const [name, list] of lists)
      list?.forEach((p, i) => {
        const e = regexpError(p);
        if (e) ctx.addIssue({ code: 'custom', path: [name, i], message: e });
      });
    for (const name of ['attributes', 'resources'] as const)
      m[name]?.forEach((kv, i) => {
        if (kv.value === undefined || kv.value === null) return;
        if (typeof kv.value !== 'string')
          ctx.addIssue({
            code: 'custom',
            path: [name, i, 'value'],
            message: 'match_type=regexp is not supported for non-string attribute values',
          });
        else {
          const e = regexpError(kv.value);
          if (e) ctx.addIssue({ code: 'custom', path: [name, i, 'value'], message: e });
        }
      });
  });

export type MatchProperties = z.output<typeof matchPropertiesSchema>;
