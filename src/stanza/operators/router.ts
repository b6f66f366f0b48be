// router: sends each entry to the output of the first route whose `expr` is
// true (adding the route's attributes), else to `default` (or drops it).
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { compileExpr, type Expr } from '../expr.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const ids = z.union([z.string().transform((s) => [s]), z.array(z.string())]);
const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('router'),
  routes: z
    .array(
      z.strictObject({
        expr: z.string(),
        output: ids,
        attributes: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1),
  default: ids.optional(),
});
type Cfg = BaseConfig & {
  routes: { expr: string; output: string[]; attributes: Record<string, unknown> }[];
  default?: string[];
};

class Router extends Operator {
  private readonly routes: { expr: Expr; outputs: Operator[]; attrs: [string, unknown][] }[];
  private defaults: Operator[] = [];
  constructor(
    private readonly cfg: Cfg,
    ctx: ConstructorParameters<typeof Operator>[1],
  ) {
    super(cfg, ctx);
    this.routes = cfg.routes.map((r) => ({
      expr: compileExpr(r.expr),
      outputs: [],
      attrs: Object.entries(r.attributes),
    }));
  }
  override wire(byId: Map<string, Operator>): void {
    const get = (id: string) => {
      const o = byId.get(id);
      if (!o) throw new EntryError(`router "${this.id}": output "${id}" is not an operator id`);
      return o;
    };
    this.cfg.routes.forEach((r, i) => {
      this.routes[i].outputs = r.output.map(get);
    });
    this.defaults = (this.cfg.default ?? []).map(get);
  }
  override process(e: Entry): void {
    for (const r of this.routes) {
      if (r.expr(e)) {
        for (const [k, v] of r.attrs) e.attributes[k] = v;
        this.send(r.outputs, e);
        return;
      }
    }
    this.send(this.defaults, e);
  }
  private send(outs: Operator[], e: Entry): void {
    const saved = this.outputs;
    this.outputs = outs;
    try {
      this.emit(e);
    } finally {
      this.outputs = saved;
    }
  }
}

export const routerOperator: OperatorDef<Cfg> = {
  type: 'router',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Router(cfg, ctx),
};
