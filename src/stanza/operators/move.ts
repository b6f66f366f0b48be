// move: moves a field (from → to); a missing `from` is an error.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { deleteField, type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('move'), from: z.string(), to: z.string() });
type Cfg = BaseConfig & { from: string; to: string };

class Move extends Operator {
  private readonly from: Field;
  private readonly to: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.from = parseField(cfg.from);
    this.to = parseField(cfg.to);
  }
  protected override apply(e: Entry): void {
    if (getField(e, this.from) === undefined)
      throw new EntryError(`move: field ${this.from.text} does not exist`);
    const v = deleteField(e, this.from);
    if (this.to.keys.length === 0 && this.to.root !== 'body') {
      // moving a map onto attributes/resource replaces it
      if (this.to.root === 'attributes') e.attributes = {};
      else {
        e.resource = {};
        e.resourceShared = false;
      }
    }
    setField(e, this.to, v);
  }
}

export const moveOperator: OperatorDef<Cfg> = {
  type: 'move',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Move(cfg, ctx),
};
