// Every stanza operator type by name. A receiver that runs operators (file_log,
// later syslog) validates and builds its `operators:` list from here.
import type { OperatorDef } from './operator.js';
import { addOperator } from './operators/add.js';
import { containerOperator } from './operators/container.js';
import { copyOperator } from './operators/copy.js';
import { filterOperator } from './operators/filter.js';
import { flattenOperator } from './operators/flatten.js';
import { jsonParserOperator } from './operators/json-parser.js';
import { keyValueParserOperator } from './operators/key-value-parser.js';
import { moveOperator } from './operators/move.js';
import { recombineOperator } from './operators/recombine.js';
import { regexParserOperator } from './operators/regex-parser.js';
import { removeOperator } from './operators/remove.js';
import { routerOperator } from './operators/router.js';
import { severityParserOperator } from './operators/severity-parser.js';
import { timeParserOperator } from './operators/time-parser.js';
import { traceParserOperator } from './operators/trace-parser.js';

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
];

export const OPERATORS = new Map<string, OperatorDef<any>>(defs.map((d) => [d.type, d]));
