// json_parser: parses a JSON object string (parse_from, default body) into
// parse_to (default attributes; merged). Numbers that are integers become
// ints in OTLP (the collector gives doubles for every JSON number).
import { z } from 'zod';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys } from '../parser.js';

const schema = z.strictObject({ ...parserKeys, type: z.literal('json_parser') });

class JsonParser extends ParserOperator {
  protected parseValue(v: unknown): unknown {
    if (typeof v !== 'string') {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
      throw new Error('json_parser: value is not a string');
    }
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch {
      throw new Error('json_parser: invalid JSON');
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new Error('json_parser: not a JSON object');
    return o;
  }
}

export const jsonParserOperator: OperatorDef<ParserConfig> = {
  type: 'json_parser',
  schema: schema as unknown as z.ZodType<ParserConfig>,
  build: (cfg, ctx) => new JsonParser(cfg, ctx),
};
