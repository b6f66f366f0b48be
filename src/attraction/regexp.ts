// Config patterns are written for Go's RE2. The common difference from JS is
// the named-group syntax `(?P<name>...)`; translate it so the collector's
// examples work unchanged.
export function goRegExp(pattern: string, flags = ''): RegExp {
  return new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags);
}

/** A message when the pattern does not compile, else undefined. */
export function regexpError(pattern: string): string | undefined {
  try {
    goRegExp(pattern);
    return undefined;
  } catch (err) {
    return `invalid regexp "${pattern}": ${(err as Error).message}`;
  }
}
