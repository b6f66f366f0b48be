// Runs the statement groups of one signal, in config order, over each
// request. Statements change the pdata in place; a group whose statements
// touch only resource paths never decodes spans or log records.
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { retryableError } from '../../src/component/errors.js';
import {
  type ErrorReporter,
  OttlError,
  type StatementGroup,
  TransformContext,
  transformLogs,
  transformMetrics,
  transformTraces,
} from '../../src/ottl/index.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { KeyValue, LogsData, MetricsData, TracesData } from '../../src/pdata/types.js';

export interface CompiledGroup {
  group: StatementGroup;
  sharedCache: boolean;
}

export class TransformProcessor<S extends Signal> implements Processor<S> {
  private readonly ctx = new TransformContext();

  constructor(
    private readonly signal: S,
    private readonly groups: CompiledGroup[],
    private readonly reporter: ErrorReporter,
    private readonly next: Consumer<S>,
  ) {}

  async start(_host?: Host): Promise<void> {}
  async shutdown(): Promise<void> {}

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    try {
      this.apply(data);
    } catch (err) {
      // error_mode: propagate. The collector returns a plain (non-permanent)
      // error, which receivers answer as retryable (503 / UNAVAILABLE).
      if (err instanceof OttlError) return Promise.reject(retryableError(err.message, { cause: err }));
      return Promise.reject(err);
    }
    return this.next.consume(data, ctx);
  }

  /** Applies every group to `data` (exposed for the benchmark and tests). */
  apply(data: SignalDataMap[S]): void {
    const shared: KeyValue[] = [];
    const c = this.ctx;
    for (const { group, sharedCache } of this.groups) {
      c.cache = sharedCache ? shared : [];
      if (this.signal === 'traces') transformTraces(data as TracesData, group, c, this.reporter, sharedCache);
      else if (this.signal === 'logs') transformLogs(data as LogsData, group, c, this.reporter, sharedCache);
      else transformMetrics(data as MetricsData, group, c, this.reporter, sharedCache);
    }
  }
}
