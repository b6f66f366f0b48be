// The OpenTelemetry Transformation Language (OTTL) for Tsunagi components:
// transform, filter, the routing connector, tail_sampling's ottl_condition.
// See README.md in this folder for the public API.
export type { ParsedCondition, ParsedStatement } from './ast.js';
export type { CompiledCondition, CompiledStatement } from './compile.js';
export { CONTEXT_NAMES, type ContextName, TransformContext } from './context.js';
export { OttlError, OttlSyntaxError } from './errors.js';
export {
  type ConditionSet,
  compileConditions,
  compileGroup,
  ERROR_MODES,
  type ErrorMode,
  ErrorReporter,
  evalConditions,
  type GroupConfig,
  OttlConfigError,
  type OttlLogger,
  runGroup,
  SIGNAL_CONTEXTS,
  type StatementGroup,
} from './group.js';
export { parseCondition, parseStatement } from './parser.js';
export { itemCount, pointsOf, transformLogs, transformMetrics, transformTraces } from './run.js';
export { WireSpanDrops, wirePasses } from './wire-run.js';
