// Runs entries through a stanza operator list and collects what comes out
// (held entries are force-flushed at the end), for operator unit tests.
import { type Entry, newEntry } from '../../src/stanza/entry.js';
import { buildPipeline, operatorsSchema } from '../../src/stanza/pipeline.js';
import { silentLogger } from '../../src/telemetry/logger.js';

export interface StanzaInput {
  body: unknown;
  attributes?: Record<string, unknown>;
}

export function runOperators(
  operators: Record<string, unknown>[],
  inputs: StanzaInput[],
  errors: string[] = [],
): Entry[] {
  const out: Entry[] = [];
  const cfgs = operatorsSchema.parse(operators);
  const logger = silentLogger();
  const captured = Object.assign(Object.create(logger), {
    warn: (o: { err?: string }) => errors.push(o.err ?? ''),
    debug: (o: { err?: string }) => errors.push(o.err ?? ''),
  });
  const p = buildPipeline(cfgs, { logger: captured, onOperatorError: () => {} }, (e) => out.push(e));
  for (const i of inputs) {
    const e = newEntry(i.body, 1n);
    e.attributes = { ...(i.attributes ?? {}) };
    p.process(e);
  }
  p.flush(Date.now(), true);
  return out;
}
