// Detects the resource once at start (or every refresh_interval) and merges it
// into the resource of everything that passes: detected attributes replace the
// data's with `override: true`, else only fill in what is missing; the detected
// schema URL fills an empty one. Reads only resources, so spans and log records
// stay undecoded.
import type { Host, Processor } from '../../src/component/component.js';
import type { Consumer, RequestContext } from '../../src/component/consumer.js';
import { errorMessage } from '../../src/component/errors.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { Resource } from '../../src/pdata/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { ResourceDetectionConfig } from './config.js';
import { type Detection, mergeAttributes, mergeSchemaUrl } from './provider.js';

type Entry = { resource: Resource; schemaUrl: string };

function entriesOf(data: unknown): Entry[] {
  const d = data as { resourceSpans?: Entry[]; resourceLogs?: Entry[]; resourceMetrics?: Entry[] };
  return d.resourceSpans ?? d.resourceLogs ?? d.resourceMetrics ?? [];
}

/** Detection shared by the instances of one processor ID (one per pipeline): the parsed config is the key. */
const sessions = new WeakMap<ResourceDetectionConfig, Shared>();

class Shared {
  current: Detection | undefined;
  private first: Promise<Detection> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private users = 0;

  constructor(
    private readonly cfg: ResourceDetectionConfig,
    private readonly run: () => Promise<Detection>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<Detection> {
    this.users++;
    this.first ??= this.run().then((d) => {
      this.current = d;
      if (this.cfg.refresh_interval > 0) {
        this.timer = setInterval(() => this.refresh(), this.cfg.refresh_interval);
        this.timer.unref();
      }
      return d;
    });
    return this.first;
  }

  /** A failed refresh keeps the last good detection (collector Refresh). */
  private refresh(): void {
    this.run().then(
      (d) => {
        this.current = d;
      },
      (e) => this.logger.warn({ err: errorMessage(e) }, 'resource refresh failed; keeping previous snapshot'),
    );
  }

  stop(): void {
    if (--this.users > 0) return;
    if (this.timer) clearInterval(this.timer);
    sessions.delete(this.cfg);
  }
}

export class ResourceDetectionProcessor<S extends Signal> implements Processor<S> {
  private readonly shared: Shared;

  constructor(
    private readonly cfg: ResourceDetectionConfig,
    private readonly next: Consumer<S>,
    logger: Logger,
    run: () => Promise<Detection>,
  ) {
    let s = sessions.get(cfg);
    if (!s) {
      s = new Shared(cfg, run, logger);
      sessions.set(cfg, s);
    }
    this.shared = s;
  }

  async start(_host?: Host): Promise<void> {
    await this.shared.start();
  }

  async shutdown(): Promise<void> {
    this.shared.stop();
  }

  consume(data: SignalDataMap[S], ctx?: RequestContext): Promise<void> {
    const d = this.shared.current;
    if (d && (d.attributes.length > 0 || d.schemaUrl !== ''))
      for (const e of entriesOf(data)) {
        e.schemaUrl = mergeSchemaUrl(e.schemaUrl, d.schemaUrl);
        mergeAttributes(e.resource.attributes, d.attributes, this.cfg.override);
      }
    return this.next.consume(data, ctx);
  }
}
