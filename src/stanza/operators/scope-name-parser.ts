// scope_name_parser: the string at parse_from (default body) becomes the
// entry's instrumentation scope name; missing or not a string is an error.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { ScopeNameParser, scopeNameSchema } from '../parser.js';

const schema = z.strictObject({
  ...baseKeys,
  ...scopeNameSchema.shape,
  type: z.literal('scope_name_parser'),
});
type Cfg = BaseConfig & { parse_from: string };

class ScopeNameParserOperator extends Operator {
  private readonly p: ScopeNameParser;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.p = new ScopeNameParser(cfg);
  }
  protected override apply(e: Entry): void {
    this.p.apply(e);
  }
}

export const scopeNameParserOperator: OperatorDef<Cfg> = {
  type: 'scope_name_parser',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new ScopeNameParserOperator(cfg, ctx),
};
