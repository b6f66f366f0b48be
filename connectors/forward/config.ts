import { z } from 'zod';

/** The forward connector has no settings (connector/forwardconnector in the collector). */
export const configSchema = z.strictObject({});

export type ForwardConfig = z.output<typeof configSchema>;
