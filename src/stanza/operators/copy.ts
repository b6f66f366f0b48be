// copy: copies a field (from → to), deep-copying maps and arrays.
import { z } from 'zod';
import { deepCopy, type Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('copy'), from: z.string(), to: z.string() });
type Cfg = BaseConfig & { from: string; to: string };

class Copy extends Operator {
  private readonly from: Field;
  private readonly to: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.from = parseField(cfg.from);
    this.to = parseField(cfg.to);
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.from);
    if (v === undefined) throw new EntryError(`copy: field ${this.from.text} does not exist`);
    setField(e, this.to, deepCopy(v));
  }
}

export const copyOperator: OperatorDef<Cfg> = {
  type: 'copy',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Copy(cfg, ctx),
};
