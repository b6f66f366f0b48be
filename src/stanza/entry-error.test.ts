import { describe, expect, it } from 'vitest';
import { EntryError } from './entry-error.js';

describe('EntryError', () => {
  it('is an Error with its message but no stack frames, and leaves Error.stackTraceLimit as it was', () => {
    const before = Error.stackTraceLimit;
    const e = new EntryError('container: bad line');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('container: bad line');
    expect(e.stack ?? '').not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('x').stack).toMatch(/\n\s+at /);
  });
});
