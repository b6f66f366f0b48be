// csv_parser: one CSV row (Go encoding/csv rules, go-csv.ts) mapped onto
// `header` (split on header_delimiter, default the delimiter) or, per entry,
// onto the header string in the attribute named by `header_attribute`.
// ignore_quotes splits on the delimiter alone. The field count must equal the
// header's. Keys and checks as the collector's csv parser config.
import { z } from 'zod';
import { type Entry, setOwn } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { CsvError, readCsvRow } from '../go-csv.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';
import { goTypeName } from './regex-replace.js';

const oneChar = (s: string) => [...s].length === 1;

const schema = z
  .strictObject({
    ...parserKeys,
    type: z.literal('csv_parser'),
    header: z.string().optional(),
    header_attribute: z.string().optional(),
    delimiter: z.string().default(','),
    header_delimiter: z.string().optional(),
    lazy_quotes: z.boolean().default(false),
    ignore_quotes: z.boolean().default(false),
  })
  .transform((c) => ({
    ...c,
    delimiter: c.delimiter === '' ? ',' : c.delimiter,
    header_delimiter: c.header_delimiter || (c.delimiter === '' ? ',' : c.delimiter),
  }))
  .superRefine((c, ctx) => {
    const bad = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (c.ignore_quotes && c.lazy_quotes)
      bad("only one of 'ignore_quotes' or 'lazy_quotes' can be true", 'ignore_quotes');
    if (!oneChar(c.delimiter)) bad(`invalid 'delimiter': '${c.delimiter}'`, 'delimiter');
    // Go's csv reader refuses these delimiters on every row; refuse them at config time instead
    else if (!c.ignore_quotes && ['\r', '\n', '"', '\uFFFD'].includes(c.delimiter))
      bad(`invalid 'delimiter': '${c.delimiter}' (\\r, \\n and " cannot delimit CSV fields)`, 'delimiter');
    if (!oneChar(c.header_delimiter))
      bad(`invalid 'header_delimiter': '${c.header_delimiter}'`, 'header_delimiter');
    if (!c.header && !c.header_attribute)
      bad("missing required field 'header' or 'header_attribute'", 'header');
    if (c.header && c.header_attribute)
      bad("only one header parameter can be set: 'header' or 'header_attribute'", 'header_attribute');
    if (c.header && !c.header.includes(c.header_delimiter))
      bad('missing field delimiter in header', 'header');
  });
type CsvConfig = ParserConfig & {
  header?: string;
  header_attribute?: string;
  delimiter: string;
  header_delimiter: string;
  lazy_quotes: boolean;
  ignore_quotes: boolean;
};

class CsvParser extends ParserOperator {
  private readonly header?: string[];
  constructor(
    private readonly csv: CsvConfig,
    ctx: ConstructorParameters<typeof ParserOperator>[1],
  ) {
    super(csv, ctx);
    if (csv.header) this.header = csv.header.split(csv.header_delimiter);
  }

  protected parseValue(v: unknown, e: Entry): unknown {
    let header = this.header;
    if (!header) {
      const h = e.attributes[this.csv.header_attribute as string];
      if (h === undefined)
        throw new EntryError(`failed to read dynamic header attribute ${this.csv.header_attribute}`);
      if (typeof h !== 'string')
        throw new EntryError(`header is expected to be a string but is ${goTypeName(h)}`);
      header = h.split(this.csv.header_delimiter);
    }
    const line =
      typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
    if (line === undefined) throw new EntryError(`type '${goTypeName(v)}' cannot be parsed as csv`);
    let fields: string[];
    if (this.csv.ignore_quotes) fields = line.split(this.csv.delimiter);
    else {
      try {
        fields = readCsvRow(line, this.csv.delimiter, this.csv.lazy_quotes);
      } catch (err) {
        throw new EntryError(err instanceof CsvError ? err.message : String(err));
      }
    }
    if (fields.length !== header.length)
      throw new EntryError(`wrong number of fields: expected ${header.length}, found ${fields.length}`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) setOwn(out, header[i], fields[i]);
    return out;
  }
}

export const csvParserOperator: OperatorDef<CsvConfig> = {
  type: 'csv_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<CsvConfig>,
  build: (cfg, ctx) => new CsvParser(cfg, ctx),
};
