// json_array_parser: a JSON array string → a list (or, with `header`, a map
// of header[i] → value[i]; the counts must match). As the collector's parser
// (fastjson): numbers become int64 (0 when not an integer), objects become
// their compact JSON text, nested arrays are an error, and a JSON value that
// is not an array yields an empty list.
import { z } from 'zod';
import { setOwn } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { int64BestEffort, JsonRawError, parseRaw, type RawValue, rawString } from '../json-raw.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';
import { goTypeName } from './regex-replace.js';

const schema = z.strictObject({
  ...parserKeys,
  type: z.literal('json_array_parser'),
  header: z.string().optional(),
});
type Cfg = ParserConfig & { header?: string };

function element(v: RawValue): unknown {
  switch (v.t) {
    case 'num':
      return int64BestEffort(v.raw);
    case 'str':
      return v.v;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'obj':
      return rawString(v);
    default:
      throw new EntryError('failed to parse entry');
  }
}

class JsonArrayParser extends ParserOperator {
  private readonly header?: string[];
  constructor(cfg: Cfg, ctx: ConstructorParameters<typeof ParserOperator>[1]) {
    super(cfg, ctx);
    if (cfg.header) this.header = cfg.header.split(',');
  }
  protected parseValue(v: unknown): unknown {
    const text =
      typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
    if (text === undefined) throw new EntryError(`type '${goTypeName(v)}' cannot be parsed as json array`);
    let doc: RawValue;
    try {
      doc = parseRaw(text);
    } catch (err) {
      if (err instanceof JsonRawError) throw new EntryError('failed to parse entry');
      throw err;
    }
    const items = doc.t === 'arr' ? doc.items : [];
    if (this.header) {
      if (this.header.length !== items.length)
        throw new EntryError(`wrong number of fields: expected ${this.header.length}, found ${items.length}`);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < items.length; i++) setOwn(out, this.header[i], element(items[i]));
      return out;
    }
    return items.map(element);
  }
}

export const jsonArrayParserOperator: OperatorDef<Cfg> = {
  type: 'json_array_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<Cfg>,
  build: (cfg, ctx) => new JsonArrayParser(cfg, ctx),
};
