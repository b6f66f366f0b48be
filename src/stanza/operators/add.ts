// add: sets `field` to a constant `value` (string, number, bool, map, list).
// `EXPR(...)` values are not supported (a clear config error).
import { z } from 'zod';
import { deepCopy, type Entry } from '../entry.js';
import { type Field, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('add'),
  field: z.string(),
  value: z
    .unknown()
    .refine((v) => v !== undefined, { message: 'value is required' })
    .refine((v) => !(typeof v === 'string' && /^EXPR\(/.test(v)), {
      message: 'EXPR() values are not supported',
    }),
});
type Cfg = BaseConfig & { field: string; value: unknown };

class Add extends Operator {
  private readonly field: Field;
  constructor(
    private readonly cfg: Cfg,
    ctx: ConstructorParameters<typeof Operator>[1],
  ) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
  }
  protected override apply(e: Entry): void {
    const v = this.cfg.value;
    setField(e, this.field, typeof v === 'object' && v !== null ? deepCopy(v) : v);
  }
}

export const addOperator: OperatorDef<Cfg> = {
  type: 'add',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Add(cfg, ctx),
};
