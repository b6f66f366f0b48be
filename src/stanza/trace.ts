// Trace context parsing (stanza `trace` block and trace_parser): hex trace
// id (16 bytes), span id (8 bytes) and trace flags (1 byte) from fields.
// The source fields are kept.
import { z } from 'zod';
import { idFromHex } from '../pdata/ids.js';
import type { Entry } from './entry.js';
import { EntryError } from './entry-error.js';
import { type Field, getField, parseField } from './field.js';

const pf = (def: string) => z.strictObject({ parse_from: z.string().default(def) }).prefault({});

export const traceSchema = z.strictObject({
  trace_id: pf('attributes.trace_id'),
  span_id: pf('attributes.span_id'),
  trace_flags: pf('attributes.trace_flags'),
});
export type TraceConfig = z.output<typeof traceSchema>;

function withError(errs: string[] | undefined, msg: string): string[] {
  const list = errs ?? [];
  list.push(msg);
  return list;
}

export class TraceParser {
  private readonly traceId: Field;
  private readonly spanId: Field;
  private readonly flags: Field;
  constructor(cfg: TraceConfig) {
    this.traceId = parseField(cfg.trace_id.parse_from);
    this.spanId = parseField(cfg.span_id.parse_from);
    this.flags = parseField(cfg.trace_flags.parse_from);
  }

  apply(e: Entry): void {
    let errs: string[] | undefined;
    const t = getField(e, this.traceId);
    if (t !== undefined) {
      const b = typeof t === 'string' ? idFromHex(t, 16) : undefined;
      if (b) {
        e.traceId = b;
      } else errs = withError(errs, `trace_id "${String(t)}" is not 32 hex digits`);
    }
    const s = getField(e, this.spanId);
    if (s !== undefined) {
      const b = typeof s === 'string' ? idFromHex(s, 8) : undefined;
      if (b) {
        e.spanId = b;
      } else errs = withError(errs, `span_id "${String(s)}" is not 16 hex digits`);
    }
    const f = getField(e, this.flags);
    if (f !== undefined) {
      const n =
        typeof f === 'number'
          ? f
          : typeof f === 'string' && /^[0-9a-fA-F]{2}$/.test(f)
            ? Number.parseInt(f, 16)
            : NaN;
      if (Number.isInteger(n) && n >= 0 && n <= 255) {
        e.traceFlags = n;
      } else errs = withError(errs, `trace_flags "${String(f)}" is not 2 hex digits`);
    }
    if (errs !== undefined) throw new EntryError(errs.join('; '));
  }
}
