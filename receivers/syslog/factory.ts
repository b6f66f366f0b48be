import type { ReceiverFactory } from '../../src/component/component.js';
import { configSchema, type SyslogReceiverConfig } from './config.js';
import { SyslogReceiver } from './receiver.js';

export const factory: ReceiverFactory<SyslogReceiverConfig> = {
  kind: 'receiver',
  type: 'syslog',
  description: 'Receives RFC 5424 / RFC 3164 syslog over TCP (octet counting, LF/NUL framing, TLS) or UDP',
  signals: ['logs'],
  configSchema: configSchema as unknown as ReceiverFactory<SyslogReceiverConfig>['configSchema'],
  create(settings, config, next) {
    const logs = next.logs;
    if (!logs) throw new Error(`receiver ${settings.id}: the syslog receiver only feeds logs pipelines`);
    return new SyslogReceiver(settings, config, logs);
  },
};
