// Builds the operator graph from the `operators:` list: each operator outputs
// to `output` (ids) or, by default, the next operator in the list; the last
// one outputs to the sink (the input's batch).
import { z } from 'zod';
import { normalizeNulls } from '../config/null-values.js';
import type { Entry } from './entry.js';
import { type BuildContext, Operator, type OperatorDef } from './operator.js';
import { OPERATORS } from './registry.js';

class SinkOperator extends Operator {
  constructor(
    ctx: BuildContext,
    private readonly sink: (e: Entry) => void,
  ) {
    super({ type: 'sink', id: '$sink', on_error: 'send' }, ctx);
  }
  override process(e: Entry): void {
    this.sink(e);
  }
}

export interface OperatorPipeline {
  /** The first stage (entries from the input go here). */
  process(e: Entry): void;
  flush(now: number, force: boolean): void;
  held(visit: (e: Entry) => void): void;
}

/** Validates one operator config against its type's schema (zod issues carry the path). */
export const operatorsSchema = z.array(z.looseObject({ type: z.string() })).transform((list, ctx) => {
  const out: Record<string, unknown>[] = [];
  list.forEach((raw, i) => {
    const def = OPERATORS.get(raw.type);
    if (!def) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'type'],
        message: `unknown operator type "${raw.type}" (supported: ${[...OPERATORS.keys()].join(', ')})`,
      });
      return;
    }
    // The operator's schema is picked here by `type`, so the config layer's null rule is applied here.
    const r = def.schema.safeParse(normalizeNulls(def.schema, raw));
    if (!r.success) {
      for (const iss of r.error.issues)
        ctx.addIssue({
          code: 'custom',
          path: [i, ...(iss.path as (string | number)[])],
          message: iss.message,
        });
      return;
    }
    out.push(r.data as Record<string, unknown>);
  });
  return out;
});

/** Builds the graph from configs already validated by `operatorsSchema`. */
export function buildPipeline(
  configs: Record<string, unknown>[],
  ctx: BuildContext,
  sink: (e: Entry) => void,
): OperatorPipeline {
  const ops: Operator[] = [];
  const byId = new Map<string, Operator>();
  for (const cfg of configs) {
    const def = OPERATORS.get(cfg.type as string) as OperatorDef | undefined;
    if (!def) throw new Error(`unknown operator type "${cfg.type}"`);
    const op = def.build(cfg as never, ctx); // cfg was validated by operatorsSchema
    if (byId.has(op.id)) throw new Error(`duplicate operator id "${op.id}"`);
    byId.set(op.id, op);
    ops.push(op);
  }
  const sinkOp = new SinkOperator(ctx, sink);
  ops.forEach((op, i) => {
    const defaultNext = ops[i + 1] ?? sinkOp;
    op.outputs = resolveOutputs(op, byId, defaultNext);
  });
  const first = ops[0] ?? sinkOp;
  return {
    process: (e) => first.process(e),
    flush: (now, force) => {
      for (const op of ops) op.flush(now, force);
    },
    held: (visit) => {
      for (const op of ops) op.held(visit);
    },
  };
}

function resolveOutputs(op: Operator, byId: Map<string, Operator>, next: Operator): Operator[] {
  op.wire(byId, next);
  if (op.outputIds === undefined) return [next];
  return op.outputIds.map((id) => {
    const o = byId.get(id);
    if (!o) throw new Error(`operator "${op.id}": output "${id}" is not an operator id`);
    return o;
  });
}

export { Operator };
