// filter: drops entries for which `expr` is true (drop_ratio of them).
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { compileExpr, type Expr } from '../expr.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('filter'),
  expr: z.string(),
  drop_ratio: z.number().min(0).max(1).default(1),
});
type Cfg = BaseConfig & { expr: string; drop_ratio: number };

class Filter extends Operator {
  private readonly expr: Expr;
  constructor(
    private readonly cfg: Cfg,
    ctx: ConstructorParameters<typeof Operator>[1],
  ) {
    super(cfg, ctx);
    this.expr = compileExpr(cfg.expr);
  }
  override process(e: Entry): void {
    if (this.expr(e) && (this.cfg.drop_ratio >= 1 || Math.random() < this.cfg.drop_ratio)) return;
    this.emit(e);
  }
}

export const filterOperator: OperatorDef<Cfg> = {
  type: 'filter',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Filter(cfg, ctx),
};
