// Idle files cost the glob match's stat alone (no read, no fstat, no fingerprint read; directory
// listings reused while a directory's stat state holds): what still has to be noticed is.
import { appendFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STABLE_MS } from './glob.js';
import { bodies, startReceiver, tempDir, waitFor } from './testutil/harness.js';

const lines = (from: number, to: number, prefix = 'line') => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
};
const expected = (from: number, to: number, prefix = 'line') => lines(from, to, prefix).trimEnd().split('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough without changes for file states and directory listings to be trusted (setup, not an assertion). */
const settle = () => sleep(STABLE_MS + 400);

/** A pods-like tree <root>/<ns>_<pod>_<uid>/c/0.log. */
function podFile(root: string, pod: string, content: string): string {
  const dir = join(root, `ns_${pod}_0123abcd`, 'c');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, '0.log');
  writeFileSync(f, content);
  return f;
}

afterEach(() => vi.restoreAllMocks());

describe('file_log: idle files', () => {
  it('an idle file is neither read nor fstat-ed each poll; new lines are still read', async () => {
    const root = tempDir();
    const f = podFile(root, 'a', lines(1, 3));
    const probe = await open(f);
    const proto = Object.getPrototypeOf(probe) as { read: () => unknown; stat: () => unknown };
    await probe.close();
    const reads = vi.spyOn(proto, 'read');
    const fstats = vi.spyOn(proto, 'stat');
    const { rcv, consumer } = await startReceiver({
      include: [join(root, '*', '*', '*.log')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 3);
    await settle();
    reads.mockClear();
    fstats.mockClear();
    await sleep(300); // ~15 polls at 20 ms
    expect(reads).not.toHaveBeenCalled();
    expect(fstats).not.toHaveBeenCalled();
    appendFileSync(f, lines(4, 5));
    await waitFor(() => bodies(consumer).length === 5);
    expect(bodies(consumer)).toEqual(expected(1, 5));
    await rcv.shutdown();
  });

  it('files created in idle (cached) directories, and a kubelet rotation there, are found within a few polls', async () => {
    const root = tempDir();
    const a = podFile(root, 'a', lines(1, 2, 'a'));
    const { rcv, consumer } = await startReceiver({
      include: [join(root, '*', '*', '*.log')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 2);
    await settle();
    // a new pod directory, and a new file in the idle container directory
    podFile(root, 'b', lines(1, 2, 'b'));
    writeFileSync(join(root, 'ns_a_0123abcd', 'c', '1.log'), lines(1, 2, 'a1'));
    await waitFor(() => bodies(consumer).length === 6, 1000, 'new files within 1 s (50 polls)');
    await settle();
    // rotation by rename + create in the idle directory, a late write to the renamed file
    renameSync(a, `${a}.20240101-000000`);
    writeFileSync(a, lines(3, 4, 'a'));
    appendFileSync(`${a}.20240101-000000`, lines(5, 5, 'a'));
    await waitFor(() => bodies(consumer).length === 9, 1000, 'rotated files within 1 s');
    expect(bodies(consumer).sort()).toEqual(
      [...expected(1, 5, 'a'), ...expected(1, 2, 'b'), ...expected(1, 2, 'a1')].sort(),
    );
    await rcv.shutdown();
  });

  it('copytruncate of an idle file refilled to exactly its old size is detected', async () => {
    const dir = tempDir();
    const f = join(dir, 'app.log');
    writeFileSync(f, lines(1, 20));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, 'app.log*')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 20);
    await settle();
    writeFileSync(`${f}.1`, readFileSync(f));
    truncateSync(f, 0);
    appendFileSync(f, lines(1, 20, 'LINE')); // same length as before: only the content tells
    await waitFor(() => bodies(consumer).length >= 40, 2000);
    expect(bodies(consumer).slice(20)).toEqual(expected(1, 20, 'LINE'));
    await rcv.shutdown();
  });

  it('a partial line written to an idle file is still flushed after force_flush_period', async () => {
    const dir = tempDir();
    const f = join(dir, 'p.log');
    writeFileSync(f, 'complete\n');
    const { rcv, consumer } = await startReceiver({
      include: [f],
      start_at: 'beginning',
      force_flush_period: '200ms',
    });
    await waitFor(() => bodies(consumer).length === 1);
    await settle();
    const t0 = Date.now();
    appendFileSync(f, 'no newline yet');
    await waitFor(() => bodies(consumer).length === 2, 2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(bodies(consumer)).toEqual(['complete', 'no newline yet']);
    await rcv.shutdown();
  });

  it('a multiline entry is still flushed after force_flush_period while its file stays idle', async () => {
    const dir = tempDir();
    const f = join(dir, 'm.log');
    writeFileSync(f, '2024-01-01 start A\n  at x\n');
    const { rcv, consumer } = await startReceiver({
      include: [f],
      start_at: 'beginning',
      multiline: { line_start_pattern: '^\\d{4}-' },
      force_flush_period: '300ms',
    });
    await waitFor(() => bodies(consumer).length === 1, 2000);
    expect(bodies(consumer)).toEqual(['2024-01-01 start A\n  at x']);
    await settle();
    appendFileSync(f, '2024-01-01 start B\n  at y\n');
    await waitFor(() => bodies(consumer).length === 2, 2000);
    expect(bodies(consumer)[1]).toBe('2024-01-01 start B\n  at y');
    await rcv.shutdown();
  });
});
