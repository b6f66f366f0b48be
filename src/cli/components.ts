// `tsunagi components`: every registered type per kind, as YAML.
import { stringify } from 'yaml';
import type { AnyFactory, Registry } from '../component/component.js';

export function describeComponents(registry: Registry): string {
  const entry = (f: AnyFactory) => ({
    name: f.type,
    ...('signals' in f ? { signals: [...f.signals] } : {}),
    ...('pairs' in f ? { signal_pairs: f.pairs.map(([from, to]) => `${from}->${to}`) } : {}),
    ...(f.deprecatedTypes?.length ? { deprecated_aliases: [...f.deprecatedTypes] } : {}),
    description: f.description,
  });
  const sorted = <F extends AnyFactory>(fs: F[]) =>
    [...fs].sort((a, b) => a.type.localeCompare(b.type)).map(entry);
  return stringify(
    {
      receivers: sorted(registry.receivers),
      processors: sorted(registry.processors),
      exporters: sorted(registry.exporters),
      extensions: sorted(registry.extensions),
      connectors: sorted(registry.connectors),
    },
    { flowCollectionPadding: false, collectionStyle: 'any' },
  );
}
