// assign_keys: turns the list at `field` into a map, the i-th value under the
// i-th of `keys`; a missing field, a non-list or a length mismatch is an error.
import { z } from 'zod';
import { type Entry, setOwn } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('assign_keys'),
  field: z.string(),
  keys: z.array(z.string()).min(1, { message: 'assign_keys missing required field keys' }),
});
type Cfg = BaseConfig & { field: string; keys: string[] };

class AssignKeys extends Operator {
  private readonly field: Field;
  private readonly keys: string[];
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
    this.keys = cfg.keys;
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined)
      throw new EntryError(`apply assign_keys: field ${this.field.text} does not exist on entry`);
    if (!Array.isArray(v))
      throw new EntryError(`apply assign_keys: couldn't convert field ${this.field.text} to []any`);
    if (v.length !== this.keys.length)
      throw new EntryError(
        `apply assign_keys: field ${this.field.text} contains ${v.length} values while expected keys are [${this.keys.join(' ')}] contain ${this.keys.length} keys`,
      );
    const out: Record<string, unknown> = {};
    for (let i = 0; i < this.keys.length; i++) setOwn(out, this.keys[i], v[i]);
    setField(e, this.field, out);
  }
}

export const assignKeysOperator: OperatorDef<Cfg> = {
  type: 'assign_keys',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new AssignKeys(cfg, ctx),
};
