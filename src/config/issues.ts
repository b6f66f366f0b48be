// Config problems, reported all at once: each carries the collector-style
// path (`exporters::otlp/backend::endpoint`) so the user finds the key.

export interface ConfigIssue {
  /** `::`-separated path to the offending key; '' for the whole config. */
  path: string;
  message: string;
}

export function formatIssue(i: ConfigIssue): string {
  return i.path ? `${i.path}: ${i.message}` : i.message;
}

/** Thrown by loaders and validation when a config cannot be used. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function joinPath(...parts: (string | number)[]): string {
  return parts.filter((p) => p !== '').join('::');
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate if it is plausibly a typo (distance ≤ max(2, len/4)). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 4));
  return bestD <= limit ? best : undefined;
}

/** ` (did you mean 'x'?)` or ''. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean '${c}'?)`;
}
