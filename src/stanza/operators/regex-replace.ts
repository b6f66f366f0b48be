// regex_replace: replaces every match of `regex` (Go syntax) or of the
// well-known `regex_name` in the string at `field` with `replace_with`
// (Go template: $1, ${1}, ${name}, $$). A missing field is left alone; a
// value that is not a string is an error.
import { z } from 'zod';
import { goReplaceAll } from '../../regexp/expand.js';
import { goRegExp, regexpError } from '../../regexp/go.js';
import type { Entry } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, baseKeys, Operator, type OperatorDef } from '../operator.js';

/** ANSI "Control Sequence Introducer" escape codes (ESC [ …), as the collector defines them. */
export const ANSI_CSI = /\x1B\[[\x30-\x3F]*[\x20-\x2F]*[\x40-\x7E]/g;

const schema = z
  .strictObject({
    ...baseKeys,
    type: z.literal('regex_replace'),
    field: z.string(),
    regex: z.string().optional(),
    regex_name: z
      .enum(['ansi_control_sequences'], { message: 'regex_name: unknown (ansi_control_sequences)' })
      .optional(),
    replace_with: z.string().default(''),
  })
  .refine((c) => (c.regex === undefined || c.regex === '') !== (c.regex_name === undefined), {
    message: 'either regex or regex_name must be set',
  })
  .superRefine((c, ctx) => {
    const e = c.regex === undefined ? undefined : regexpError(c.regex);
    if (e) ctx.addIssue({ code: 'custom', path: ['regex'], message: `regex: ${e}` });
  });
type Cfg = BaseConfig & { field: string; regex?: string; regex_name?: string; replace_with: string };

/** Shared by regex_replace and strip_ansi_escape_codes: replace in one string field. */
export class ReplaceInField extends Operator {
  private readonly field: Field;
  constructor(
    cfg: BaseConfig & { field: string },
    ctx: ConstructorParameters<typeof Operator>[1],
    private readonly re: RegExp,
    private readonly replaceWith: string,
  ) {
    super(cfg, ctx);
    this.field = parseField(cfg.field);
  }
  protected override apply(e: Entry): void {
    const v = getField(e, this.field);
    if (v === undefined) return;
    if (typeof v !== 'string') throw new EntryError(`type ${goTypeName(v)} cannot be handled`);
    setField(e, this.field, goReplaceAll(this.re, v, this.replaceWith));
  }
}

/** The Go type name the collector's messages show for a value. */
export function goTypeName(v: unknown): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Uint8Array) return '[]uint8';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'bigint') return 'int64';
  return typeof v;
}

export const regexReplaceOperator: OperatorDef<Cfg> = {
  type: 'regex_replace',
  schema: schema as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) =>
    new ReplaceInField(
      cfg,
      ctx,
      cfg.regex_name ? ANSI_CSI : goRegExp(cfg.regex as string, 'g'),
      cfg.replace_with,
    ),
};
