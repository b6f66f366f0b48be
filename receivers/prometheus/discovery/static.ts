// static_configs: one group per entry, known at start.
import type { StaticConfig } from '../promconfig/sd-schema.js';
import type { Discoverer, TargetGroup } from './types.js';

export class StaticDiscoverer implements Discoverer {
  constructor(private readonly configs: StaticConfig[]) {}

  async start(update: (groups: TargetGroup[]) => void): Promise<void> {
    update(
      this.configs.map((c, i) => ({
        source: String(i),
        targets: c.targets.map((t) => new Map([['__address__', t]])),
        labels: new Map(Object.entries(c.labels)),
      })),
    );
  }

  async stop(): Promise<void> {}
}
