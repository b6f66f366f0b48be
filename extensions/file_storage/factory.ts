import type { ExtensionFactory } from '../../src/component/component.js';
import { type FileStorageConfig, fileStorageConfigSchema } from './config.js';
import { FileStorageExtension } from './extension.js';

export const factory: ExtensionFactory<FileStorageConfig> = {
  kind: 'extension',
  type: 'file_storage',
  description: 'Durable key-value storage in local files (persistent queues, file offsets)',
  configSchema: fileStorageConfigSchema,
  create: (settings, config) => new FileStorageExtension(settings, config),
};
