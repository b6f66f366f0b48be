// Runs entries through a stanza operator list and collects what comes out
// (held entries are force-flushed at the end), for operator unit tests.
// What the operators log is kept per level, so `on_error: send` (error level)
// and `send_quiet` (debug level) can be told apart, and every call of the
// operator-error hook (what file_log counts as
// tsunagi_stanza_operator_errors_total{operator}) is counted by operator id.
import { type Entry, newEntry } from '../../src/stanza/entry.js';
import { buildPipeline, operatorsSchema } from '../../src/stanza/pipeline.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface StanzaInput {
  body: unknown;
  attributes?: Record<string, unknown>;
}

export interface StanzaLog {
  /** `err` of each line logged at error or warn level. */
  errors: string[];
  /** `err` of each line logged at debug level. */
  debug: string[];
  /** Operator errors counted, by operator id. */
  counted: Record<string, number>;
}

export function newStanzaLog(): StanzaLog {
  return { errors: [], debug: [], counted: {} };
}

/**
 * Runs `inputs` through `operators`. `errors` (a list) receives only the
 * error-level lines; pass a StanzaLog to see debug lines and counts as well.
 */
export function runOperators(
  operators: Record<string, unknown>[],
  inputs: StanzaInput[],
  log: string[] | StanzaLog = [],
): Entry[] {
  const l: StanzaLog = Array.isArray(log) ? { ...newStanzaLog(), errors: log } : log;
  const out: Entry[] = [];
  const cfgs = operatorsSchema.parse(operators);
  const logger = silentLogger();
  const atError = (o: { err?: string }) => l.errors.push(o.err ?? '');
  const captured = Object.assign(Object.create(logger), {
    error: atError,
    warn: atError,
    debug: (o: { err?: string }) => l.debug.push(o.err ?? ''),
  });
  const p = buildPipeline(
    cfgs,
    {
      logger: captured,
      onOperatorError: (id) => {
        l.counted[id] = (l.counted[id] ?? 0) + 1;
      },
    },
    (e) => out.push(e),
  );
  for (const i of inputs) {
    const e = newEntry(i.body, 1n);
    e.attributes = { ...(i.attributes ?? {}) };
    p.process(e);
  }
  p.flush(Date.now(), true);
  return out;
}
