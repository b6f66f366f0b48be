// severity_parser: sets severity number/text from parse_from (default body)
// with the default mapping, `preset` and `mapping`.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { type SeverityConfig, SeverityParser, severitySchema } from '../severity.js';

const schema = z.strictObject({
  ...baseKeys,
  ...severitySchema.shape,
  type: z.literal('severity_parser'),
  parse_from: z.string().default('body'),
});
type Cfg = BaseConfig & SeverityConfig;

class SeverityParserOperator extends Operator {
  private readonly p: SeverityParser;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.p = new SeverityParser(cfg);
  }
  protected override apply(e: Entry): void {
    this.p.apply(e);
  }
}

export const severityParserOperator: OperatorDef<Cfg> = {
  type: 'severity_parser',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new SeverityParserOperator(cfg, ctx),
};
