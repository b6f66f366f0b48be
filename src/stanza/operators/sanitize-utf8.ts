// sanitize_utf8: replaces what is not valid UTF-8 in the string at `field`
// (default body) with U+FFFD. Tsunagi's inputs decode bytes to text at the
// edge, where invalid UTF-8 already becomes U+FFFD; what is left for this
// operator are unpaired UTF-16 surrogates (from JSON "\ud800" escapes, say),
// which could not be encoded as UTF-8 on export. A missing field is left
// alone; a value that is not a string is an error.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { goTypeName } from './regex-replace.js';

const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('sanitize_utf8'),
  field: z.string().default('body'),
});
type Cfg = BaseConfig & { field: string };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

class SanitizeUtf8 extends Operator {
  private readonly field: Field;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined) return;
    if (typeof v !== 'string')
      throw new EntryError(`field '${this.field.text}' is not a string, got ${goTypeName(v)}`);
    // String.prototype.isWellFormed (Node 20) is the fast check
    if ((v as string & { isWellFormed?: () => boolean }).isWellFormed?.() ?? !LONE_SURROGATE.test(v)) return;
    LONE_SURROGATE.lastIndex = 0;
    setField(e, this.field, v.replace(LONE_SURROGATE, '\uFFFD'));
  }
}

export const sanitizeUtf8Operator: OperatorDef<Cfg> = {
  type: 'sanitize_utf8',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new SanitizeUtf8(cfg, ctx),
};
