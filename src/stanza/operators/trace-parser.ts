// trace_parser: trace_id / span_id / trace_flags (hex) from fields onto the
// record: the log-to-trace link.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';
import { type TraceConfig, TraceParser, traceSchema } from '../trace.js';

const schema = z.strictObject({ ...baseKeys, ...traceSchema.shape, type: z.literal('trace_parser') });
type Cfg = BaseConfig & TraceConfig;

class TraceParserOperator extends Operator {
  private readonly p: TraceParser;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.p = new TraceParser(cfg);
  }
  protected override apply(e: Entry): void {
    this.p.apply(e);
  }
}

export const traceParserOperator: OperatorDef<Cfg> = {
  type: 'trace_parser',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new TraceParserOperator(cfg, ctx),
};
