import { createWriteStream, type WriteStream } from 'node:fs';
import type { ComponentSettings, Exporter, Host } from '../../src/component/component.js';
import type { RequestContext } from '../../src/component/consumer.js';
import type { Signal, SignalDataMap } from '../../src/pdata/signal.js';
import type { DebugConfig } from './config.js';
import { Sampler } from './sampler.js';
import { detailed, normal, summary } from './text.js';

type Sink = (text: string) => void;

/** Writes what it gets to the log or a stream, then accepts it. For debugging only. */
export class DebugExporter implements Exporter {
  private readonly sampler: Sampler;
  private readonly sinks: Sink[] = [];
  private readonly files: WriteStream[] = [];

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: DebugConfig,
    sinks?: Sink[],
  ) {
    this.sampler = new Sampler(config.sampling_initial, config.sampling_thereafter);
    if (sinks) this.sinks = sinks;
  }

  async start(_host?: Host): Promise<void> {
    if (this.config.use_internal_logger || this.sinks.length > 0) return;
    for (const path of this.config.output_paths ?? ['stderr']) {
      if (path === 'stdout') this.sinks.push((t) => process.stdout.write(t));
      else if (path === 'stderr') this.sinks.push((t) => process.stderr.write(t));
      else {
        const f = createWriteStream(path, { flags: 'a' });
        this.files.push(f);
        this.sinks.push((t) => f.write(t));
      }
    }
  }

  /** Answers at once whatever its input's shape: a batch processor before it may pass data through. */
  acceptBatching(): boolean {
    return true;
  }

  async consume<S extends Signal>(signal: S, data: SignalDataMap[S], _ctx?: RequestContext): Promise<void> {
    if (!this.sampler.allow()) return;
    const { msg, fields } = summary(signal, data);
    const { verbosity } = this.config;
    const text =
      verbosity === 'detailed' ? detailed(signal, data) : verbosity === 'normal' ? normal(signal, data) : '';
    if (this.config.use_internal_logger && this.sinks.length === 0) {
      this.settings.logger.info(fields, msg);
      if (text) this.settings.logger.info(text);
      return;
    }
    const line = `${msg}\t${JSON.stringify(fields)}\n${text}`;
    for (const sink of this.sinks) sink(line);
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.files.map((f) => new Promise<void>((resolve) => f.end(resolve))));
  }
}
