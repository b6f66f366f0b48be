// The collector's nopexporter has no settings.
import { z } from 'zod';

export const configSchema = z.strictObject({});
export type NopExporterConfig = z.output<typeof configSchema>;
