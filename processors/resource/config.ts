import { z } from 'zod';
import { actionSchema, validateActions } from '../../src/attraction/config.js';

// Keys of the collector's resource processor: the action list is under `attributes`.
export const configSchema = z
  .strictObject({ attributes: z.array(actionSchema).default([]) })
  .superRefine((c, ctx) => {
    if (c.attributes.length === 0)
      ctx.addIssue({ code: 'custom', path: ['attributes'], message: 'missing required field "attributes"' });
    validateActions(c.attributes, ctx, ['attributes']);
  });

export type ResourceConfig = z.output<typeof configSchema>;
