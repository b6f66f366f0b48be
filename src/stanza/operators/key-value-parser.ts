// key_value_parser: `k=v k2="v 2"` pairs (delimiter, pair_delimiter; default
// whitespace between pairs) into parse_to.
import { z } from 'zod';
import { EntryError } from '../entry-error.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';

const schema = z.strictObject({
  ...parserKeys,
  type: z.literal('key_value_parser'),
  delimiter: z.string().min(1).default('='),
  pair_delimiter: z.string().min(1).optional(),
});
type KvConfig = ParserConfig & { delimiter: string; pair_delimiter?: string };

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** Splits on `sep` (or runs of whitespace) outside quotes. */
function splitPairs(s: string, sep: string | undefined): string[] {
  const out: string[] = [];
  let cur = '';
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = '';
      cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      cur += c;
    } else if (sep ? s.startsWith(sep, i) : /\s/.test(c)) {
      if (cur.trim()) out.push(cur);
      cur = '';
      if (sep) i += sep.length - 1;
    } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

class KeyValueParser extends ParserOperator {
  constructor(
    private readonly kv: KvConfig,
    ctx: ConstructorParameters<typeof ParserOperator>[1],
  ) {
    super(kv, ctx);
    if (kv.pair_delimiter === kv.delimiter)
      throw new EntryError('key_value_parser: delimiter and pair_delimiter must differ');
  }
  protected parseValue(v: unknown): unknown {
    if (typeof v !== 'string') throw new EntryError('key_value_parser: value is not a string');
    const out: Record<string, unknown> = {};
    for (const pair of splitPairs(v, this.kv.pair_delimiter)) {
      const i = pair.indexOf(this.kv.delimiter);
      if (i <= 0) throw new EntryError(`key_value_parser: "${pair}" has no "${this.kv.delimiter}"`);
      out[unquote(pair.slice(0, i))] = unquote(pair.slice(i + this.kv.delimiter.length));
    }
    return out;
  }
}

export const keyValueParserOperator: OperatorDef<KvConfig> = {
  type: 'key_value_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<KvConfig>,
  build: (cfg, ctx) => new KeyValueParser(cfg, ctx),
};
