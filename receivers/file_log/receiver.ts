// The file_log receiver component: resolves the storage extension, wires the
// file consumer to the next logs consumer and the self-metrics.
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import type { ComponentStatus } from '../../src/component/status.js';
import { isStorageExtension, type StorageClient } from '../../src/component/storage.js';
import { entriesToLogs } from '../../src/stanza/to-pdata.js';
import type { FileLogConfig } from './config.js';
import { FileConsumer } from './file-consumer.js';

export class FileLogReceiver implements Component {
  private consumer: FileConsumer | undefined;
  private storage: StorageClient | undefined;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: FileLogConfig,
    private readonly next: Consumer<'logs'>,
  ) {}

  async start(host: Host): Promise<void> {
    const { settings, config } = this;
    if (config.storage) {
      const ext = host.getExtension(config.storage);
      if (!ext) throw new Error(`${settings.id}: storage "${config.storage}" is not a configured extension`);
      if (!isStorageExtension(ext))
        throw new Error(
          `${settings.id}: extension "${config.storage}" is not a storage extension (e.g. file_storage)`,
        );
      this.storage = await ext.getClient('receiver', settings.id);
    }
    const rm = settings.metrics.receiver(settings.id, 'file');
    const m = settings.metrics;
    const lbl = { receiver: settings.id };
    const split = m.counter(
      'tsunagi_file_log_lines_split_total',
      'Lines longer than max_log_size, emitted as several records.',
      ['receiver'],
    );
    const utf8 = m.counter(
      'tsunagi_file_log_invalid_utf8_lines_total',
      'Lines with invalid UTF-8 (replaced).',
      ['receiver'],
    );
    const skipped = m.counter('tsunagi_file_log_files_skipped_total', 'Files skipped (binary, unreadable).', [
      'receiver',
      'reason',
    ]);
    const opErr = m.counter('tsunagi_stanza_operator_errors_total', 'Entries an operator failed on.', [
      'receiver',
      'operator',
    ]);
    this.consumer = new FileConsumer(config, {
      logger: settings.logger,
      storage: this.storage,
      consume: (data) => this.next.consume(data),
      toLogs: (entries) => entriesToLogs(entries, config.resource),
      counters: {
        accepted: (n) => rm.accepted('logs', n),
        refused: (n, err) => rm.refused('logs', n, err),
        split: (n) => split.inc(lbl, n),
        invalidUtf8: (n) => utf8.inc(lbl, n),
        skippedFile: (reason) => skipped.inc({ ...lbl, reason }),
        operatorError: (operator) => opErr.inc({ ...lbl, operator }),
      },
    });
    await this.consumer.start();
  }

  /** The files being read, for the status page. */
  status(): ComponentStatus {
    return { files: this.consumer?.fileStatus() ?? [] };
  }

  /** Test hook: stop as if killed (no final flush, no checkpoint write). */
  async crashForTest(): Promise<void> {
    await this.consumer?.abandon();
    this.consumer = undefined;
  }

  async shutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.storage?.close();
    this.storage = undefined;
  }
}
