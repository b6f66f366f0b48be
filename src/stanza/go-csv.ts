// The collector's csv_parser row reader (internal/coreinternal/parseutils
// ReadCSVRow over Go's encoding/csv with FieldsPerRecord -1): one log entry
// is one row, so records after the first (a newline in an unquoted field)
// continue the previous record's last field, joined with "\n". Go's rules
// are kept: "\r\n" is read as "\n", empty lines are skipped, a `"` inside an
// unquoted field or after a closing quote is an error unless lazy_quotes, and
// a record cut by an error still yields the fields read before it (which
// then usually fail the header count, as in the collector).

export class CsvError extends Error {}

interface Reader {
  s: string;
  pos: number;
  line: number;
}

/** The next line including its "\n" ("\r\n" normalised; a final "\r" without "\n" dropped), or undefined at the end. */
function readLine(r: Reader): string | undefined {
  if (r.pos >= r.s.length) return undefined;
  const nl = r.s.indexOf('\n', r.pos);
  let line: string;
  if (nl < 0) {
    line = r.s.slice(r.pos);
    r.pos = r.s.length;
    if (line.endsWith('\r')) line = line.slice(0, -1);
  } else {
    line = r.s.slice(r.pos, nl + 1);
    r.pos = nl + 1;
  }
  r.line++;
  if (line.length >= 2 && line.endsWith('\r\n')) line = `${line.slice(0, -2)}\n`;
  return line;
}

const lengthNL = (l: string) => (l.endsWith('\n') ? 1 : 0);

/** One record; `error` is set when parsing stopped early (the fields before it are kept). */
function readRecord(
  r: Reader,
  comma: string,
  lazy: boolean,
): { fields: string[]; error?: string } | undefined {
  let line: string | undefined;
  for (;;) {
    line = readLine(r);
    if (line === undefined) return undefined;
    if (line.length === lengthNL(line)) continue; // skip empty lines
    break;
  }
  const recLine = r.line;
  const fields: string[] = [];
  let buf = '';
  let error: string | undefined;
  let col = 1;
  parse: for (;;) {
    if (line.length === 0 || line[0] !== '"') {
      // unquoted field
      const i = line.indexOf(comma);
      const field = i >= 0 ? line.slice(0, i) : line.slice(0, line.length - lengthNL(line));
      if (!lazy) {
        const j = field.indexOf('"');
        if (j >= 0) {
          error = `parse error on line ${recLine}, column ${col + j}: bare " in non-quoted-field`;
          break;
        }
      }
      fields.push(buf + field);
      buf = '';
      if (i >= 0) {
        line = line.slice(i + comma.length);
        col += i + comma.length;
        continue;
      }
      break;
    }
    // quoted field
    line = line.slice(1);
    col += 1;
    for (;;) {
      const i = line.indexOf('"');
      if (i >= 0) {
        buf += line.slice(0, i);
        line = line.slice(i + 1);
        col += i + 1;
        if (line.startsWith('"')) {
          buf += '"'; // "" is a quote
          line = line.slice(1);
          col += 1;
        } else if (line.startsWith(comma)) {
          line = line.slice(comma.length);
          col += comma.length;
          fields.push(buf);
          buf = '';
          continue parse;
        } else if (lengthNL(line) === line.length) {
          fields.push(buf); // end of line
          buf = '';
          break parse;
        } else if (lazy) {
          buf += '"';
        } else {
          error = `parse error on line ${r.line}, column ${col - 1}: extraneous or missing " in quoted-field`;
          break parse;
        }
      } else if (line.length > 0) {
        // the field goes on on the next line
        buf += line;
        col += line.length;
        const next = readLine(r);
        line = next ?? '';
        if (next !== undefined) col = 1;
      } else {
        // end of input inside quotes: an error unless lazy_quotes
        if (!lazy) {
          error = `parse error on line ${r.line}, column ${col}: extraneous or missing " in quoted-field`;
          break parse;
        }
        fields.push(buf);
        buf = '';
        break parse;
      }
    }
  }
  return { fields, error };
}

/** Parses one entry's text as a CSV row (the collector's ReadCSVRow). */
export function readCsvRow(row: string, delimiter: string, lazyQuotes: boolean): string[] {
  const r: Reader = { s: row, pos: 0, line: 0 };
  const lines: string[][] = [];
  for (;;) {
    const rec = readRecord(r, delimiter, lazyQuotes);
    if (rec === undefined) break;
    if (rec.error !== undefined && rec.fields.length === 0) throw new CsvError(`read csv line: ${rec.error}`);
    lines.push(rec.fields);
  }
  if (lines.length === 0) throw new CsvError('no csv lines found');
  const joined = lines[0];
  for (let i = 1; i < lines.length; i++) {
    const next = lines[i];
    joined[joined.length - 1] += `\n${next[0]}`;
    for (let n = 1; n < next.length; n++) joined.push(next[n]);
  }
  return joined;
}
