// noop: passes every entry on unchanged (a junction for `output` wiring).
import { z } from 'zod';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('noop') });

class Noop extends Operator {}

export const noopOperator: OperatorDef<BaseConfig> = {
  type: 'noop',
  schema: schema as unknown as z.ZodType<BaseConfig>,
  build: (cfg, ctx) => new Noop(cfg, ctx),
};
