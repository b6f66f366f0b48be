// Sets each log record's trace ID, span ID and trace flags from the trace
// context written in the log itself: attributes first, then a map body, then
// a string body. A record that already has a valid trace ID is left alone.
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { isValidTraceId } from '../../src/pdata/ids.js';
import { lazyItemCount, lazyItemsTraced } from '../../src/pdata/lazy.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { KeyValue, LogRecord, LogsData } from '../../src/pdata/types.js';
import type { TracelinkConfig } from './config.js';
import { traceIdFromRequestId } from './derive.js';
import { type KeyScan, type Role, roleMap, scanKeys } from './keys.js';
import { type TextScanner, textScanner } from './text.js';
import type { TraceContext } from './values.js';

export type Outcome = 'linked' | 'derived' | 'none' | 'present';

export const DERIVED_ATTR = 'tracelink.derived_from';
const DERIVED_VALUE = { stringValue: 'request_id' };

export class TracelinkProcessor<S extends Signal> implements Processor<S> {
  private readonly roles: Map<string, Role>;
  private readonly text: TextScanner | undefined;

  constructor(
    private readonly config: TracelinkConfig,
    private readonly next: Consumer<S>,
    private readonly count: (outcome: Outcome, n: number) => void = () => {},
  ) {
    this.roles = roleMap(config);
    this.text = config.parse_body_text ? textScanner(config) : undefined;
  }

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    let linked = 0;
    let derived = 0;
    let none = 0;
    let present = 0;
    for (const rl of (data as LogsData).resourceLogs) {
      // records still bytes whose producer vouched for their trace IDs: all present, left unread
      if (lazyItemsTraced(rl)) {
        present += lazyItemCount(rl) ?? 0;
        continue;
      }
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords) {
          const o = this.link(r);
          if (o === 'linked') linked++;
          else if (o === 'derived') derived++;
          else if (o === 'none') none++;
          else present++;
        }
    }
    if (linked) this.count('linked', linked);
    if (derived) this.count('derived', derived);
    if (none) this.count('none', none);
    if (present) this.count('present', present);
    return this.next.consume(data, ctx);
  }

  /** Links one record; exported for tests and benchmarks. */
  link(r: LogRecord): Outcome {
    if (isValidTraceId(r.traceId)) return 'present';
    let requestId: string | undefined;
    const fromAttrs = r.attributes.length > 0 ? scanKeys(r.attributes, this.roles) : undefined;
    if (fromAttrs?.ctx) {
      apply(r, fromAttrs.ctx);
      if (this.config.remove_matched_attributes) removeUsed(r.attributes, fromAttrs);
      return 'linked';
    }
    requestId = fromAttrs?.requestId;
    const body = r.body;
    if ('kvlistValue' in body) {
      const s = scanKeys((body.kvlistValue as { values: KeyValue[] }).values, this.roles);
      if (s?.ctx) {
        apply(r, s.ctx);
        return 'linked';
      }
      requestId ??= s?.requestId;
    } else if (this.text && 'stringValue' in body) {
      const s = this.text.scan(body.stringValue as string);
      if (s?.ctx) {
        apply(r, s.ctx);
        return 'linked';
      }
      requestId ??= s?.requestId;
    }
    if (requestId !== undefined) {
      const id = traceIdFromRequestId(requestId);
      if (id) {
        r.traceId = id;
        r.attributes.push({ key: DERIVED_ATTR, value: DERIVED_VALUE });
        return 'derived';
      }
    }
    return 'none';
  }
}

function apply(r: LogRecord, c: TraceContext): void {
  r.traceId = c.traceId;
  if (c.spanId) r.spanId = c.spanId;
  // Trace flags are the low 8 bits of LogRecord.flags.
  if (c.flags !== undefined) r.flags = (r.flags & ~0xff) | c.flags;
}

function removeUsed(attrs: KeyValue[], s: KeyScan): void {
  const used = s.used!.sort((a, b) => b - a);
  for (const i of used) attrs.splice(i, 1);
}
