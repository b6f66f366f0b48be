// Prometheus → OTLP naming (the collector's pkg/translator/prometheus and the
// prometheus receiver's util.go): the suffixes that tie a sample to its
// family, and trim_metric_suffixes.

/** Sample-name suffixes of a family, in the order the receiver tries them. */
export const TRIMMABLE_SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_info', '_created'] as const;

/** The family a suffixed sample may belong to: the name without its first matching suffix. */
export function normalizeMetricName(name: string): string {
  for (const s of TRIMMABLE_SUFFIXES) if (name.endsWith(s) && name !== s) return name.slice(0, -s.length);
  return name;
}

/**
 * trim_metric_suffixes: drops `_total` from sums and the unit's tokens from the
 * end of the name (`singing_duration_seconds_total` with unit `seconds` →
 * `singing_duration`), as the collector's TrimPromSuffixes.
 */
export function trimPromSuffixes(name: string, isSum: boolean, unit: string): string {
  let tokens = name.split('_');
  if (tokens.length === 1) return name;
  if (isSum && tokens[tokens.length - 1] === 'total') tokens = tokens.slice(0, -1);
  const unitTokens = unit.split('_');
  const l = tokens.length;
  const lu = unitTokens.length;
  if (l > lu) {
    let suffixed = true;
    for (let i = 0; i < lu; i++)
      if (tokens[l - i - 1] !== unitTokens[lu - i - 1]) {
        suffixed = false;
        break;
      }
    if (suffixed) tokens = tokens.slice(0, l - lu);
  }
  return tokens.join('_');
}
