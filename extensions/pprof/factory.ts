import type { ExtensionFactory } from '../../src/component/component.js';
import { configSchema, type PprofConfig } from './config.js';
import { PprofExtension } from './extension.js';

export const factory: ExtensionFactory<PprofConfig> = {
  kind: 'extension',
  type: 'pprof',
  description:
    'CPU and heap profiles on demand (/debug/pprof/ on :1777) and a whole-run CPU profile (save_to_file)',
  configSchema,
  create: (settings, config) => new PprofExtension(config, settings.logger),
};
