// recombine: joins consecutive entries of one source (source_identifier)
// into one: a new entry starts where is_first_entry is true, or ends where
// is_last_entry is true. The combined entry keeps the other fields of the
// oldest (default) or newest entry. As in the collector, a batch is released
// force_flush_period after its first entry arrived, once it holds
// max_batch_size entries (0 = no limit), max_unmatched_batch_size entries none
// of which matched the expression (0 = no limit), or more than max_log_size
// bytes of combined text (separators included; 0 = no limit), and at shutdown.
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
    max_batch_size: z.number().int().min(0).default(1000),
    max_unmatched_batch_size: z.number().int().min(0).default(100),
    max_log_size: byteSize().default(0),
    max_sources: z.number().int().min(1).default(1000),
    source_identifier: z.string().default('attributes["log.file.path"]'),
    force_flush_period: duration()
      .default(5000)
      .refine((ms) => ms > 0, { message: 'recombine: force_flush_period must be positive' }),
    overwrite_with: z.enum(['oldest', 'newest']).default('oldest'),
  })
  .refine((c) => (c.is_first_entry === undefined) !== (c.is_last_entry === undefined), {
    message: 'recombine: exactly one of is_first_entry and is_last_entry must be set',
  });
type Cfg = BaseConfig & z.output<typeof schema>;

interface Batch {
  entries: Entry[];
  /** The combined text so far: combine_with goes between values only once the text is non-empty, as in the collector. */
  text: string;
  /** Its UTF-8 size. */
  bytes: number;
  /** When the first entry arrived (force_flush_period counts from here). */
  since: number;
  /** Some entry matched is_first_entry / is_last_entry. */
  matched: boolean;
}

class Recombine extends Operator {
  private readonly first?: Expr;
  private readonly last?: Expr;
  private readonly field: Field;
  private readonly source: Field;
  private readonly batches = new Map<string, Batch>();
  private readonly sepBytes: number;

  constructor(
    private readonly cfg: Cfg,
    ctx: ConstructorParameters<typeof Operator>[1],
  ) {
    super(cfg, ctx);
    if (cfg.is_first_entry) this.first = compileExpr(cfg.is_first_entry);
    if (cfg.is_last_entry) this.last = compileExpr(cfg.is_last_entry);
    this.field = parseField(cfg.combine_field);
    this.source = parseField(cfg.source_identifier);
    this.sepBytes = Buffer.byteLength(cfg.combine_with);
  }

  override process(e: Entry): void {
    if (this.cond !== undefined && !this.cond(e)) {
      this.emit(e);
      return;
    }
    const sv = getField(e, this.source);
    const src = sv === undefined || sv === null || sv === '' ? 'DefaultSourceIdentifier' : String(sv);
    const matches = this.first ? this.first(e) : this.last?.(e) === true;
    let b = this.batches.get(src);
    if (this.first && matches && b) {
      this.release(src, b);
      b = undefined;
    }
    const now = Date.now();
    if (!b) {
      if (this.batches.size >= this.cfg.max_sources) this.flush(now, true);
      b = { entries: [], text: '', bytes: 0, since: now, matched: false };
      this.batches.set(src, b);
    }
    if (matches) b.matched = true;
    const v = getField(e, this.field);
    if (v !== undefined) {
      const t = typeof v === 'string' ? v : JSON.stringify(v);
      if (b.text.length > 0) {
        b.text += this.cfg.combine_with;
        b.bytes += this.sepBytes;
      }
      b.text += t;
      b.bytes += Buffer.byteLength(t);
    }
    b.entries.push(e);
    const c = this.cfg;
    const n = b.entries.length;
    const full =
      (c.max_log_size > 0 && b.bytes > c.max_log_size) ||
      (c.max_batch_size > 0 && n >= c.max_batch_size) ||
      (!b.matched && c.max_unmatched_batch_size > 0 && n >= c.max_unmatched_batch_size);
    if ((this.last && matches) || full) this.release(src, b);
  }

  private release(src: string, b: Batch): void {
    this.batches.delete(src);
    const es = b.entries;
    const base = this.cfg.overwrite_with === 'oldest' ? es[0] : es[es.length - 1];
    setField(base, this.field, b.text);
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
