// Every stanza operator type by name. A receiver that runs operators (file_log,
// syslog) validates and builds its `operators:` list from here.
import type { OperatorDef } from './operator.js';
import { addOperator } from './operators/add.js';
import { assignKeysOperator } from './operators/assign-keys.js';
import { containerOperator } from './operators/container.js';
import { copyOperator } from './operators/copy.js';
import { csvParserOperator } from './operators/csv-parser.js';
import { filterOperator } from './operators/filter.js';
import { flattenOperator } from './operators/flatten.js';
import { jsonArrayParserOperator } from './operators/json-array-parser.js';
import { jsonParserOperator } from './operators/json-parser.js';
import { keyValueParserOperator } from './operators/key-value-parser.js';
import { moveOperator } from './operators/move.js';
import { noopOperator } from './operators/noop.js';
import { recombineOperator } from './operators/recombine.js';
import { regexParserOperator } from './operators/regex-parser.js';
import { regexReplaceOperator } from './operators/regex-replace.js';
import { removeOperator } from './operators/remove.js';
import { retainOperator } from './operators/retain.js';
import { routerOperator } from './operators/router.js';
import { sanitizeUtf8Operator } from './operators/sanitize-utf8.js';
import { scopeNameParserOperator } from './operators/scope-name-parser.js';
import { severityParserOperator } from './operators/severity-parser.js';
import { stripAnsiEscapeCodesOperator } from './operators/strip-ansi-escape-codes.js';
import { syslogParserOperator } from './operators/syslog-parser.js';
import { timeParserOperator } from './operators/time-parser.js';
import { traceParserOperator } from './operators/trace-parser.js';
import { unquoteOperator } from './operators/unquote.js';
import { uriParserOperator } from './operators/uri-parser.js';

const defs: OperatorDef<any>[] = [
  containerOperator,
  jsonParserOperator,
  regexParserOperator,
  keyValueParserOperator,
  severityParserOperator,
  timeParserOperator,
  traceParserOperator,
  moveOperator,
  copyOperator,
  addOperator,
  removeOperator,
  flattenOperator,
  recombineOperator,
  routerOperator,
  filterOperator,
  retainOperator,
  noopOperator,
  csvParserOperator,
  syslogParserOperator,
  uriParserOperator,
  regexReplaceOperator,
  assignKeysOperator,
  unquoteOperator,
  stripAnsiEscapeCodesOperator,
  sanitizeUtf8Operator,
  jsonArrayParserOperator,
  scopeNameParserOperator,
];

export const OPERATORS = new Map<string, OperatorDef<any>>(defs.map((d) => [d.type, d]));
