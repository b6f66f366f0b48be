// metadata_keys: each distinct combination of those keys' values is its own
// batch, and downstream sees only those keys (as in the collector; without
// metadata_keys, no client metadata at all). Bounded by
// metadata_cardinality_limit.
import type { RequestContext } from '../../src/component/consumer.js';

export class Partitions<P> {
  private readonly keys: string[];
  private readonly parts = new Map<string, P>();

  constructor(
    metadataKeys: readonly string[],
    private readonly limit: number,
    private readonly create: (ctx: RequestContext | undefined) => P,
  ) {
    this.keys = metadataKeys.map((k) => k.toLowerCase());
  }

  /** The partition for a request's context; undefined past metadata_cardinality_limit. */
  for(ctx: RequestContext | undefined): P | undefined {
    if (this.keys.length === 0) {
      let p = this.parts.get('');
      if (p === undefined) {
        p = this.create(undefined);
        this.parts.set('', p);
      }
      return p;
    }
    const md = ctx?.metadata;
    const values = this.keys.map((k) => md?.[k] ?? []);
    const id = JSON.stringify(values);
    let p = this.parts.get(id);
    if (p !== undefined) return p;
    if (this.parts.size >= this.limit) return undefined;
    const metadata: Record<string, string[]> = {};
    this.keys.forEach((k, i) => {
      if (values[i].length > 0) metadata[k] = values[i];
    });
    p = this.create({ metadata });
    this.parts.set(id, p);
    return p;
  }

  all(): P[] {
    return [...this.parts.values()];
  }
}
