// Turning one framed token into the entry body text: decode with the
// input's `encoding`, then trim spaces, tabs, CRs and LFs at either end
// unless preserve_leading/trailing_whitespaces says otherwise (pkg/stanza/trim).
import type { Decoder } from './decode.js';

const isTrim = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

export type TokenText = (token: Buffer | string) => string;

export function tokenText(
  decoder: Decoder,
  trim: { preserve_leading_whitespaces: boolean; preserve_trailing_whitespaces: boolean },
  noTrim = false,
): TokenText {
  const leading = !noTrim && !trim.preserve_leading_whitespaces;
  const trailing = !noTrim && !trim.preserve_trailing_whitespaces;
  return (token) => {
    const s = typeof token === 'string' ? token : decoder.decode(token);
    if (!leading && !trailing) return s;
    let a = 0;
    let b = s.length;
    if (leading) while (a < b && isTrim(s.charCodeAt(a))) a++;
    if (trailing) while (b > a && isTrim(s.charCodeAt(b - 1))) b--;
    return a === 0 && b === s.length ? s : s.slice(a, b);
  };
}
