// remove: deletes a field (a missing field is an error, as in the collector).
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { deleteField, type Field, getField, parseField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('remove'), field: z.string() });
type Cfg = BaseConfig & { field: string };

class Remove extends Operator {
  private readonly field: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
  }
  protected override apply(e: Entry): void {
    if (getField(e, this.field) === undefined)
      throw new EntryError(`remove: field ${this.field.text} does not exist`);
    deleteField(e, this.field);
  }
}

export const removeOperator: OperatorDef<Cfg> = {
  type: 'remove',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Remove(cfg, ctx),
};
