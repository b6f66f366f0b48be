// What the receiver counts and logs: the collector's receiver counters
// (otelcol_receiver_accepted/refused_log_records) and its fluentforward
// telemetry (documentation.md: otelcol_fluent_opened_connections,
// closed_connections, events_parsed, parse_failures, records_generated; here
// Prometheus counters with the `_total` suffix). Problems are logged once per
// burst with the peer and the reason.
import type { ComponentSettings } from '../../src/component/component.js';
import { BurstLogger } from '../../src/telemetry/burst-logger.js';
import type { ReceiverMetrics } from '../../src/telemetry/self-metrics.js';

export class FluentStats {
  readonly metrics: ReceiverMetrics;
  private readonly inc: (name: string, help: string, n: number) => void;
  private readonly badInput: BurstLogger;
  private readonly refusals: BurstLogger;
  private readonly auth: BurstLogger;

  constructor(settings: ComponentSettings, transport: string) {
    this.metrics = settings.metrics.receiver(settings.id, transport);
    const receiver = settings.id;
    this.inc = (name, help, n) => {
      if (n > 0)
        settings.metrics.counter(`otelcol_fluent_${name}_total`, help, ['receiver']).inc({ receiver }, n);
    };
    this.badInput = new BurstLogger(settings.logger);
    this.refusals = new BurstLogger(settings.logger);
    this.auth = new BurstLogger(settings.logger);
  }

  opened(): void {
    this.inc('opened_connections', 'Number of connections opened to the fluentforward receiver.', 1);
  }
  closed(): void {
    this.inc('closed_connections', 'Number of connections closed to the fluentforward receiver.', 1);
  }
  eventParsed(records: number): void {
    this.inc('events_parsed', 'Number of Fluent events parsed successfully.', 1);
    void records;
  }
  recordsGenerated(n: number): void {
    this.inc('records_generated', 'Number of log records generated from Fluent forward input.', n);
  }

  /** A frame that does not decode: the connection is closed. */
  parseFailed(peer: string, reason: string): void {
    this.inc('parse_failures', 'Number of times Fluent messages failed to be decoded.', 1);
    this.badInput.warn('Malformed forward frame: closing the connection', { peer, error: reason });
  }

  handshakeFailed(peer: string, clientHostname: string, reason: string): void {
    this.auth.warn('Forward handshake refused: closing the connection', {
      peer,
      client_hostname: clientHostname,
      reason,
    });
  }

  refused(peer: string, records: number, error: string, outcome: string): void {
    this.refusals.warn('Fluent records refused by the pipeline', { peer, records, error, outcome });
  }

  /** Decoded records dropped unacknowledged because their connection closed first. */
  dropped(records: number): void {
    this.metrics.refused('logs', records);
  }
}
