// json_parser: parses a JSON object string (parse_from, default body) into
// parse_to (default attributes; merged). Numbers that are integers become
// ints in OTLP: what the collector does with `parse_ints: true`; with its
// default `parse_ints: false` the collector gives doubles for every number
// (Tsunagi keeps integers whatever parse_ints says).
import { z } from 'zod';
import { EntryError } from '../entry-error.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';

const schema = z.strictObject({
  ...parserKeys,
  type: z.literal('json_parser'),
  parse_ints: z.boolean().default(false),
});

class JsonParser extends ParserOperator {
  protected parseValue(v: unknown): unknown {
    if (typeof v !== 'string') {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
      throw new EntryError('json_parser: value is not a string');
    }
    // text that cannot be a JSON object is refused before JSON.parse (whose SyntaxError is costly)
    let i = 0;
    while (i < v.length && v.charCodeAt(i) <= 32) i++;
    if (v.charCodeAt(i) !== 123 /* { */) throw new EntryError('json_parser: invalid JSON (not an object)');
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch {
      throw new EntryError('json_parser: invalid JSON');
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new EntryError('json_parser: not a JSON object');
    return o;
  }
}

export const jsonParserOperator: OperatorDef<ParserConfig> = {
  type: 'json_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<ParserConfig>,
  build: (cfg, ctx) => new JsonParser(cfg, ctx),
};
