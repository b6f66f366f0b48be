import { z } from 'zod';
import { actionSchema, validateActions } from '../../src/attraction/config.js';
import { absentWhenNull } from '../../src/config/null-values.js';
import { matchPropertiesSchema } from '../../src/filterconfig/config.js';

// Keys of the collector's attributes processor (contrib processor/attributesprocessor).
export const configSchema = z
  .strictObject({
    actions: z.array(actionSchema).default([]),
    // Pointers in the collector: `include:` with no value matches nothing extra (no filter).
    include: absentWhenNull(matchPropertiesSchema.optional()),
    exclude: absentWhenNull(matchPropertiesSchema.optional()),
  })
  .superRefine((c, ctx) => {
    if (c.actions.length === 0)
      ctx.addIssue({ code: 'custom', path: ['actions'], message: 'missing required field "actions"' });
    validateActions(c.actions, ctx, ['actions']);
  });

export type AttributesConfig = z.output<typeof configSchema>;
