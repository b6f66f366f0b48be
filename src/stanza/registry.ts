// Every stanza operator type by name. A receiver that runs operators (file_log,
// later syslog) validates and builds its `operators:` list from here.
import type { OperatorDef } from './operator.js';
import { containerOperator } from './operators/container.js';

const defs: OperatorDef<any>[] = [containerOperator];

export const OPERATORS = new Map<string, OperatorDef<any>>(defs.map((d) => [d.type, d]));
