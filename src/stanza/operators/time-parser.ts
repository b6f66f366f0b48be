// time_parser: sets the timestamp from parse_from (default body) with a
// strptime, gotime or epoch layout and an optional location.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { type TimeConfig, TimeParser, timeSchema } from '../time.js';

const schema = z.strictObject({
  ...baseKeys,
  ...timeSchema.shape,
  type: z.literal('time_parser'),
  parse_from: z.string().default('body'),
});
type Cfg = BaseConfig & TimeConfig;

class TimeParserOperator extends Operator {
  private readonly p: TimeParser;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.p = new TimeParser(cfg);
  }
  protected override apply(e: Entry): void {
    this.p.apply(e);
  }
}

export const timeParserOperator: OperatorDef<Cfg> = {
  type: 'time_parser',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new TimeParserOperator(cfg, ctx),
};
