// retain: keeps the listed fields and removes the rest of their group. A
// group (body, attributes, resource) none of whose fields is listed is kept
// whole, as the collector's retain transformer does. Listed fields that are
// missing are skipped; other entry fields (timestamp, severity, IDs) are untouched.
import { z } from 'zod';
import type { Entry } from '../entry.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z.strictObject({
  ...baseKeys,
  type: z.literal('retain'),
  fields: z.array(z.string()).min(1, { message: "retain: 'fields' is empty" }),
});
type Cfg = BaseConfig & { fields: string[] };

class Retain extends Operator {
  private readonly fields: Field[];
  private readonly body: boolean;
  private readonly attributes: boolean;
  private readonly resource: boolean;
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof Operator>[1]) {
    super(cfg, ctx);
    this.fields = cfg.fields.map(parseField);
    this.body = this.fields.some((f) => f.root === 'body');
    this.attributes = this.fields.some((f) => f.root === 'attributes');
    this.resource = this.fields.some((f) => f.root === 'resource');
  }
  protected override apply(e: Entry): void {
    const kept: Entry = {
      ...e,
      body: this.body ? undefined : e.body,
      attributes: this.attributes ? {} : e.attributes,
      resource: this.resource ? {} : e.resource,
      resourceShared: this.resource ? false : e.resourceShared,
    };
    for (const f of this.fields) {
      const v = getField(e, f);
      if (v !== undefined) setField(kept, f, v);
    }
    e.body = kept.body;
    e.attributes = kept.attributes;
    e.resource = kept.resource;
    e.resourceShared = kept.resourceShared;
  }
}

export const retainOperator: OperatorDef<Cfg> = {
  type: 'retain',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Retain(cfg, ctx),
};
