import { describe, expect, it } from 'vitest';
import { hexOf, idFromHex, isHex } from './ids.js';

describe('idFromHex', () => {
  it('parses upper- and lowercase hex of the exact length', () => {
    expect(hexOf(idFromHex('0AF7651916CD43DD8448EB211C80319C', 16)!)).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(hexOf(idFromHex('b7ad6b7169203331', 8)!)).toBe('b7ad6b7169203331');
  });

  it('refuses a wrong length or any non-hex character (including non-ASCII) without disturbing later IDs', () => {
    const good = 'b7ad6b7169203331';
    for (const bad of [
      'b7ad6b716920333',
      'b7ad6b71692033311',
      'b7ad6b716920333g',
      'b7ad6b71692033 1',
      'b7ad6b716920333\u0130',
      '\u0100'.repeat(16),
    ]) {
      expect(idFromHex(bad, 8)).toBeUndefined();
      if (bad.length === 16) expect(isHex(bad)).toBe(false);
    }
    // views handed out before and after failures keep their bytes
    const a = idFromHex(good, 8)!;
    for (let i = 0; i < 2000; i++) expect(idFromHex('zz'.repeat(8), 8)).toBeUndefined();
    const b = idFromHex('0123456789abcdef', 8)!;
    expect(hexOf(a)).toBe(good);
    expect(hexOf(b)).toBe('0123456789abcdef');
  });

  it('hands out distinct bytes across slab boundaries', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => idFromHex(i.toString(16).padStart(32, '0'), 16)!);
    for (let i = 0; i < ids.length; i++) expect(hexOf(ids[i])).toBe(i.toString(16).padStart(32, '0'));
  });
});
