// The collector's nopreceiver has no settings.
import { z } from 'zod';

export const configSchema = z.strictObject({});
export type NopReceiverConfig = z.output<typeof configSchema>;
