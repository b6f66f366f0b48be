// uri_parser: an absolute URI, an absolute path, or a query string starting
// with "?" → scheme, user, host, port, path, query (a map of lists); only set
// fields are returned. Go net/url rules (go-url.ts).
import { z } from 'zod';
import { EntryError } from '../entry-error.js';
import { parseUri } from '../go-url.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';
import { goTypeName } from './regex-replace.js';

const schema = z.strictObject({ ...parserKeys, type: z.literal('uri_parser') });

class UriParser extends ParserOperator {
  protected parseValue(v: unknown): unknown {
    if (typeof v !== 'string') throw new EntryError(`type '${goTypeName(v)}' cannot be parsed as URI`);
    try {
      return parseUri(v);
    } catch (err) {
      throw new EntryError((err as Error).message);
    }
  }
}

export const uriParserOperator: OperatorDef<ParserConfig> = {
  type: 'uri_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<ParserConfig>,
  build: (cfg, ctx) => new UriParser(cfg, ctx),
};
