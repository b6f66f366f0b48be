// recombine: joins consecutive entries of one source (source_identifier)
// into one: a new entry starts where is_first_entry is true, or ends where
// is_last_entry is true. The combined entry keeps the other fields of the
// oldest (default) or newest entry. Held entries are released after
// force_flush_period, at max_batch_size / max_log_size, and at shutdown.
import { z } from 'zod';
import { byteSize, duration } from '../../config/schema-types.js';
import type { Entry } from '../entry.js';
import { compileExpr, type Expr } from '../expr.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

const schema = z
  .strictObject({
    ...baseKeys,
    type: z.literal('recombine'),
    combine_field: z.string(),
    is_first_entry: z.string().optional(),
    is_last_entry: z.string().optional(),
    combine_with: z.string().default('\n'),
    max_batch_size: z.number().int().min(1).default(1000),
    max_unmatched_batch_size: z.number().int().min(0).default(100),
    max_log_size: byteSize().default(0),
    max_sources: z.number().int().min(1).default(1000),
    source_identifier: z.string().default('attributes["log.file.path"]'),
    force_flush_period: duration().default(5000),
    overwrite_with: z.enum(['oldest', 'newest']).default('oldest'),
  })
  .refine((c) => (c.is_first_entry === undefined) !== (c.is_last_entry === undefined), {
    message: 'recombine: exactly one of is_first_entry and is_last_entry must be set',
  });
type Cfg = BaseConfig & z.output<typeof schema>;

interface Batch {
  entries: Entry[];
  size: number;
  since: number;
}

class Recombine extends Operator {
  private readonly first?: Expr;
  private readonly last?: Expr;
  private readonly field: Field;
  private readonly source: Field;
  private readonly batches = new Map<string, Batch>();

  constructor(
    private readonly cfg: Cfg,
    ctx: ConstructorParameters<typeof Operator>[1],
  ) {
    super(cfg, ctx);
    if (cfg.is_first_entry) this.first = compileExpr(cfg.is_first_entry);
    if (cfg.is_last_entry) this.last = compileExpr(cfg.is_last_entry);
    this.field = parseField(cfg.combine_field);
    this.source = parseField(cfg.source_identifier);
  }

  override process(e: Entry): void {
    if (this.cond !== undefined && !this.cond(e)) {
      this.emit(e);
      return;
    }
    const src = String(getField(e, this.source) ?? 'DefaultSourceIdentifier');
    let b = this.batches.get(src);
    if (this.first) {
      if (this.first(e) && b) {
        this.release(src, b);
        b = undefined;
      }
    }
    if (!b) {
      if (this.batches.size >= this.cfg.max_sources) this.flush(Date.now(), true);
      b = { entries: [], size: 0, since: Date.now() };
      this.batches.set(src, b);
    }
    b.entries.push(e);
    const v = getField(e, this.field);
    b.size += typeof v === 'string' ? v.length : 0;
    b.since = Date.now();
    const full =
      b.entries.length >= this.cfg.max_batch_size ||
      (this.cfg.max_log_size > 0 && b.size >= this.cfg.max_log_size);
    if (this.last?.(e) || full) this.release(src, b);
  }

  private release(src: string, b: Batch): void {
    this.batches.delete(src);
    const es = b.entries;
    const base = this.cfg.overwrite_with === 'oldest' ? es[0] : es[es.length - 1];
    const parts: string[] = [];
    for (const x of es) {
      const v = getField(x, this.field);
      if (v !== undefined) parts.push(typeof v === 'string' ? v : JSON.stringify(v));
    }
    setField(base, this.field, parts.join(this.cfg.combine_with));
    base.offset = es[0].offset;
    this.emit(base);
  }

  override flush(now: number, force: boolean): void {
    for (const [src, b] of this.batches)
      if (force || now - b.since >= this.cfg.force_flush_period) this.release(src, b);
  }

  override held(visit: (e: Entry) => void): void {
    for (const b of this.batches.values()) visit(b.entries[0]);
  }
}

export const recombineOperator: OperatorDef<Cfg> = {
  type: 'recombine',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new Recombine(cfg, ctx),
};
