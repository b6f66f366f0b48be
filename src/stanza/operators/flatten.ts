// flatten: lifts the keys of a map field one level up into its parent
// (`body.nested` → its keys become keys of body), as in the collector.
import { z } from 'zod';
import { type Entry, isMap } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { deleteField, type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('flatten'), field: z.string() });
type Cfg = BaseConfig & { field: string };

class Flatten extends Operator {
  private readonly field: Field;
  private readonly parent: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
    if (this.field.keys.length === 0)
      throw new EntryError('flatten: field must be a nested key, e.g. body.nested');
    this.parent = { ...this.field, keys: this.field.keys.slice(0, -1) };
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.field);
    if (!isMap(v)) throw new EntryError(`flatten: field ${this.field.text} is not a map`);
    deleteField(e, this.field);
    for (const k in v) setField(e, { ...this.parent, keys: [...this.parent.keys, k] }, v[k]);
  }
}

export const flattenOperator: OperatorDef<Cfg> = {
  type: 'flatten',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Flatten(cfg, ctx),
};
