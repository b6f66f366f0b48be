// The file_storage extension: one LogStore file per client in `directory`,
// named from the component kind, ID and client name like the collector's.
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentSettings } from '../../src/component/component.js';
import type { StorageClient, StorageExtension } from '../../src/component/storage.js';
import type { FileStorageConfig } from './config.js';
import { LogStore } from './log-store.js';
import { SyncGroup } from './sync-group.js';

const MIB = 1024 * 1024;

/** The collector's file name scheme: kind_type_name[_client], unsafe characters as ~XX. */
export function storeFileName(kind: string, componentId: string, name?: string): string {
  const slash = componentId.indexOf('/');
  const type = slash < 0 ? componentId : componentId.slice(0, slash);
  const idName = slash < 0 ? '' : componentId.slice(slash + 1);
  const raw = name ? `${kind}_${type}_${idName}_${name}` : `${kind}_${type}_${idName}`;
  return raw.replace(/[^a-zA-Z0-9._-]/g, (c) => `~${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export class FileStorageExtension implements StorageExtension {
  private readonly open = new Map<string, LogStore>();
  /** One group commit for all this extension's stores (sync-group.ts). */
  readonly syncGroup = new SyncGroup();
  private rebound: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: FileStorageConfig,
  ) {}

  async start(): Promise<void> {
    const dir = this.config.directory;
    await ensureDirectory(dir, this.config.create_directory);
    if (this.config.compaction.directory !== undefined)
      await ensureDirectory(this.config.compaction.directory, this.config.create_directory);
    if (this.config.compaction.on_rebound) {
      this.rebound = setInterval(() => void this.checkRebound(), this.config.compaction.check_interval);
      this.rebound.unref();
    }
    this.started = true;
  }

  async getClient(kind: string, componentId: string, name?: string): Promise<StorageClient> {
    if (!this.started) throw new Error(`${this.settings.id} is not started`);
    const path = join(this.config.directory, storeFileName(kind, componentId, name));
    if (this.open.has(path)) throw new Error(`storage client ${path} is already open`);
    const store = await LogStore.open({
      path,
      fsync: this.config.fsync,
      lockTimeoutMs: this.config.timeout,
      logger: this.settings.logger,
      compactionDir: this.config.compaction.directory,
      maxTransactionSize: this.config.compaction.max_transaction_size,
      syncGroup: this.syncGroup,
      onClose: () => this.open.delete(path),
    });
    this.open.set(path, store);
    if (this.config.compaction.on_start) await store.compact();
    return store;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.rebound);
    await Promise.all([...this.open.values()].map((s) => s.close()));
  }

  /** on_rebound: compact a big file once its live data has shrunk below the trigger. */
  private async checkRebound(): Promise<void> {
    const { rebound_needed_threshold_mib: needed, rebound_trigger_threshold_mib: trigger } =
      this.config.compaction;
    for (const s of this.open.values()) {
      const { file, live } = s.sizes();
      if (file > needed * MIB && live < trigger * MIB) await s.compact().catch(() => {});
    }
  }
}

async function ensureDirectory(dir: string, create: boolean): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error(`file_storage directory ${dir} is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!create)
      throw new Error(
        `file_storage directory ${dir} does not exist (create it, or set create_directory: true)`,
      );
    await mkdir(dir, { recursive: true, mode: 0o750 });
  }
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new Error(`file_storage directory ${dir} is not writable by this process`);
  }
}
