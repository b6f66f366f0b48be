// The `syslog` receiver: a TCP or UDP input (tcp wins when both are set, as
// in the collector, which then ignores udp), the syslog parser its keys
// describe, the user's operators, and the pipeline. Entries that stateful
// operators (recombine) release after their flush period are sent by a
// 200 ms timer.
import type { Component, ComponentSettings, Host } from '../../src/component/component.js';
import type { Consumer } from '../../src/component/consumer.js';
import type { SyslogReceiverConfig } from './config.js';
import { Ingest } from './ingest.js';
import { TcpServer } from './tcp-server.js';
import { UdpServer } from './udp-server.js';

export class SyslogReceiver implements Component {
  /** The bound port, known after start (useful with port 0). */
  port = 0;
  private readonly ingest: Ingest;
  private tcp: TcpServer | undefined;
  private udp: UdpServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private heldInFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: ComponentSettings,
    private readonly config: SyslogReceiverConfig,
    next: Consumer<'logs'>,
  ) {
    this.ingest = new Ingest(settings, config, next);
    const m = settings.metrics;
    const lbl = { receiver: settings.id };
    if (config.tcp) {
      const bad = m.counter(
        'tsunagi_syslog_tcp_bad_frames_total',
        'TCP connections closed for a malformed syslog frame.',
        ['receiver'],
      );
      this.tcp = new TcpServer(config.tcp, config, {
        ingest: this.ingest,
        metrics: m.receiver(settings.id, 'tcp'),
        badFrame: () => bad.inc(lbl),
      });
    } else if (config.udp) {
      const dropped = m.counter(
        'tsunagi_syslog_udp_dropped_datagrams_total',
        'Syslog UDP datagrams dropped because the receive queue was full.',
        ['receiver'],
      );
      this.udp = new UdpServer(config.udp, config, {
        ingest: this.ingest,
        metrics: m.receiver(settings.id, 'udp'),
        dropped: (n) => dropped.inc(lbl, n),
      });
    }
  }

  async start(_host?: Host): Promise<void> {
    if (this.config.tcp && this.config.udp)
      this.settings.logger.warn(
        { receiver: this.settings.id },
        'syslog: both tcp and udp are set; only tcp is used (as in the collector)',
      );
    this.port = this.tcp ? await this.tcp.start() : await (this.udp as UdpServer).start();
    const metrics = this.settings.metrics.receiver(this.settings.id, this.tcp ? 'tcp' : 'udp');
    this.timer = setInterval(() => {
      const held = this.ingest.takeHeld(false);
      if (held.length > 0)
        this.heldInFlight = this.heldInFlight.then(() => this.ingest.deliver(held, metrics));
    }, 200);
    this.timer.unref();
  }

  /** For tests: datagrams dropped by the UDP queue. */
  udpDropped(): number {
    return this.udp?.dropped ?? 0;
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // retries end now (each batch still gets one more attempt), so draining cannot wait on a retry loop
    this.ingest.stop();
    await this.tcp?.shutdown();
    await this.udp?.shutdown();
    const metrics = this.settings.metrics.receiver(this.settings.id, this.tcp ? 'tcp' : 'udp');
    const held = this.ingest.takeHeld(true);
    await this.heldInFlight;
    await this.ingest.deliver(held, metrics);
  }
}
