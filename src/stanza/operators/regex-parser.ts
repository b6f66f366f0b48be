// regex_parser: named capture groups of `regex` (RE2 `(?P<name>)` accepted)
// become fields at parse_to.
import { z } from 'zod';
import { regexpError } from '../../regexp/go.js';
import { EntryError } from '../entry-error.js';
import { type OperatorDef, regexFromGo } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';

const schema = z.strictObject({
  ...parserKeys,
  type: z.literal('regex_parser'),
  regex: z.string().superRefine((r, ctx) => {
    const e = regexpError(r);
    if (e) ctx.addIssue({ code: 'custom', message: `regex: ${e}` });
    else if (!/\(\?P?<[A-Za-z_]/.test(r))
      ctx.addIssue({ code: 'custom', message: 'regex must have at least one named capture group' });
  }),
  // Accepted for compatibility (a match cache is a speed knob); the collector's size 0 = no cache.
  cache: z.strictObject({ size: z.number().int().min(0).default(0) }).optional(),
});
type RegexConfig = ParserConfig & { regex: string };

class RegexParser extends ParserOperator {
  private readonly re: RegExp;
  constructor(cfg: RegexConfig, ctx: ConstructorParameters<typeof ParserOperator>[1]) {
    super(cfg, ctx);
    this.re = regexFromGo(cfg.regex);
  }
  protected parseValue(v: unknown): unknown {
    if (typeof v !== 'string') throw new EntryError('regex_parser: value is not a string');
    const m = this.re.exec(v);
    if (!m?.groups) throw new EntryError('regex pattern does not match');
    const out: Record<string, unknown> = {};
    for (const k in m.groups) if (m.groups[k] !== undefined) out[k] = m.groups[k];
    return out;
  }
}

export const regexParserOperator: OperatorDef<RegexConfig> = {
  type: 'regex_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<RegexConfig>,
  build: (cfg, ctx) => new RegexParser(cfg, ctx),
};
