// unquote: applies Go's strconv.Unquote to the string at `field` ("…" with
// Go escapes, `…` raw, or one 'c'); a missing field is left alone, a value
// that is not a string or not validly quoted is an error.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { goUnquote } from '../go-unquote.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { goTypeName } from './regex-replace.js';

const schema = z.strictObject({ ...baseKeys, type: z.literal('unquote'), field: z.string() });
type Cfg = BaseConfig & { field: string };

class Unquote extends Operator {
  private readonly field: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined) return;
    if (typeof v !== 'string') throw new EntryError(`type ${goTypeName(v)} cannot be unquoted`);
    let s: string;
    try {
      s = goUnquote(v);
    } catch (err) {
      throw new EntryError((err as Error).message);
    }
    setField(e, this.field, s);
  }
}

export const unquoteOperator: OperatorDef<Cfg> = {
  type: 'unquote',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Unquote(cfg, ctx),
};
