import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type FileLogConfig } from './config.js';
import { FileLogReceiver } from './receiver.js';

export const factory: ReceiverFactory<FileLogConfig> = {
  kind: 'receiver',
  type: 'file_log',
  deprecatedTypes: ['filelog'],
  description: 'Tails log files (container logs under /var/log/pods) with stanza operators and checkpoints',
  signals: ['logs'],
  configSchema,
  create(settings, config, next) {
    const logs = next.logs;
    if (!logs) throw new Error(`${settings.id}: file_log only produces logs`);
    return new FileLogReceiver(settings, config, logs);
  },
};
