// Go's strconv.Unquote: a double-quoted string with Go escapes ("a\tb",
// "\u00e9", "\x41", "\101"), a back-quoted raw string (`a\b`, CRs removed),
// or one single-quoted character ('x', '\n'). Anything else is
// "invalid syntax", as in Go. \x and octal escapes are bytes; the result is
// decoded as UTF-8 (bytes that do not form UTF-8 become U+FFFD).

export class UnquoteError extends Error {}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

export function goUnquote(s: string): string {
  const n = s.length;
  if (n < 2) throw new UnquoteError('invalid syntax');
  const q = s[0];
  if (q !== s[n - 1]) throw new UnquoteError('invalid syntax');
  const body = s.slice(1, n - 1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError('invalid syntax');
    return body.includes('\r') ? body.replaceAll('\r', '') : body;
  }
  if (q !== '"' && q !== "'") throw new UnquoteError('invalid syntax');
  if (body.includes('\n')) throw new UnquoteError('invalid syntax');
  if (!body.includes('\\') && !body.includes(q)) {
    if (q === '"') return body;
    // a single-quoted literal holds exactly one character (Go also lets '' through as "")
    if ([...body].length <= 1) return body;
  }
  const bytes: number[] = [];
  let runes = 0;
  const pushText = (t: string) => {
    for (const b of Buffer.from(t, 'utf8')) bytes.push(b);
  };
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === q) throw new UnquoteError('invalid syntax');
    runes++;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new UnquoteError('invalid syntax');
    i += 2;
    if (e in SIMPLE) {
      bytes.push(SIMPLE[e]);
    } else if (e === "'" || e === '"') {
      if (e !== q) throw new UnquoteError('invalid syntax');
      bytes.push(e.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw new UnquoteError('invalid syntax');
      const v = Number.parseInt(hex, 16);
      i += len;
      if (e === 'x') {
        bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new UnquoteError('invalid syntax');
        pushText(String.fromCodePoint(v));
      }
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new UnquoteError('invalid syntax');
      const v = Number.parseInt(oct, 8);
      if (v > 255) throw new UnquoteError('invalid syntax');
      bytes.push(v);
      i += 2;
    } else {
      throw new UnquoteError('invalid syntax');
    }
  }
  if (q === "'" && runes !== 1) throw new UnquoteError('invalid syntax');
  return Buffer.from(bytes).toString('utf8');
}
