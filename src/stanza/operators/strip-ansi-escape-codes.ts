// strip_ansi_escape_codes: removes ANSI CSI escape codes (ESC [ …, e.g.
// colours) from the string at `field`; a missing field is left alone, a
// value that is not a string is an error.
import { z } from 'zod';
import { type BaseConfig, baseKeys, type OperatorDef } from '../operator.js';
import { ANSI_CSI, ReplaceInField } from './regex-replace.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('strip_ansi_escape_codes'), field: z.string() });
type Cfg = BaseConfig & { field: string };

export const stripAnsiEscapeCodesOperator: OperatorDef<Cfg> = {
  type: 'strip_ansi_escape_codes',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new ReplaceInField(cfg, ctx, ANSI_CSI, ''),
};
