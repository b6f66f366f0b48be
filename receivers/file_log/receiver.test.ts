import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { anyValueToString, getAttr } from '../../src/pdata/attributes.js';
import { bodies, records, startReceiver, tempDir, waitFor } from './testutil/harness.js';

const lines = (from: number, to: number, prefix = 'line') => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
};
const expected = (from: number, to: number, prefix = 'line') => lines(from, to, prefix).trimEnd().split('\n');

/** A pods-like tree <root>/ns_pod_0123abcd/c/0.log holding `content`. */
function criPodFile(content: string): { root: string; f: string } {
  const root = tempDir();
  const dir = join(root, 'ns_pod_0123abcd', 'c');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, '0.log');
  writeFileSync(f, content);
  return { root, f };
}

/** file_log reading a criPodFile tree from the beginning through the container operator. */
function startCriReceiver(root: string, extra: Record<string, unknown> = {}) {
  return startReceiver({
    include: [join(root, '*', '*', '*.log')],
    start_at: 'beginning',
    include_file_path: true,
    preserve_trailing_whitespaces: true,
    operators: [{ type: 'container' }],
    ...extra,
  });
}

describe('file_log: reading', () => {
  it('reads existing files from the beginning with start_at: beginning, with file attributes', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.log'), lines(1, 3));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, '*.log')],
      start_at: 'beginning',
      include_file_path: true,
      attributes: { env: 'test' },
      resource: { 'host.name': 'n1' },
    });
    await waitFor(() => bodies(consumer).length === 3);
    const [{ rl, r }] = records(consumer.received);
    expect(getAttr(r.attributes, 'log.file.name')).toEqual({ stringValue: 'a.log' });
    expect(getAttr(r.attributes, 'log.file.path')).toEqual({ stringValue: join(dir, 'a.log') });
    expect(getAttr(r.attributes, 'env')).toEqual({ stringValue: 'test' });
    expect(getAttr(rl.resource.attributes, 'host.name')).toEqual({ stringValue: 'n1' });
    expect(r.observedTimeUnixNano).toBeGreaterThan(0n);
    await rcv.shutdown();
  });

  it('start_at: end skips what exists at first start but reads files created later from the beginning', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'old.log'), lines(1, 5, 'old'));
    const { rcv, consumer } = await startReceiver({ include: [join(dir, '*.log')] });
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(join(dir, 'old.log'), lines(6, 7, 'old'));
    writeFileSync(join(dir, 'new.log'), lines(1, 2, 'new'));
    await waitFor(() => bodies(consumer).length === 4);
    expect(bodies(consumer).sort()).toEqual([...expected(6, 7, 'old'), ...expected(1, 2, 'new')].sort());
    await rcv.shutdown();
  });

  it('keeps a partial last line until it is completed, or flushes it after force_flush_period', async () => {
    const dir = tempDir();
    const f = join(dir, 'p.log');
    writeFileSync(f, 'complete\nhal');
    const { rcv, consumer } = await startReceiver({
      include: [f],
      start_at: 'beginning',
      force_flush_period: '10s',
    });
    await waitFor(() => bodies(consumer).length === 1);
    appendFileSync(f, 'f done\n');
    await waitFor(() => bodies(consumer).length === 2);
    expect(bodies(consumer)).toEqual(['complete', 'half done']);
    await rcv.shutdown();

    const g = join(dir, 'q.log');
    writeFileSync(g, 'no newline at all');
    const r2 = await startReceiver({ include: [g], start_at: 'beginning', force_flush_period: '100ms' });
    await waitFor(() => bodies(r2.consumer).length === 1);
    expect(bodies(r2.consumer)).toEqual(['no newline at all']);
    await r2.rcv.shutdown();
  });

  it('multiline line_start_pattern joins continuation lines', async () => {
    const dir = tempDir();
    const f = join(dir, 'm.log');
    writeFileSync(f, '2024-01-01 start A\n  at x\n  at y\n2024-01-01 start B\n');
    const { rcv, consumer } = await startReceiver({
      include: [f],
      start_at: 'beginning',
      multiline: { line_start_pattern: '^\\d{4}-' },
      force_flush_period: '100ms',
    });
    await waitFor(() => bodies(consumer).length === 2);
    expect(bodies(consumer)).toEqual(['2024-01-01 start A\n  at x\n  at y', '2024-01-01 start B']);
    await rcv.shutdown();
  });
});

describe('file_log: selection', () => {
  it('exclude and exclude_older_than leave files out; gzip files are skipped quietly', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'keep.log'), 'kept\n');
    writeFileSync(join(dir, 'skip.log'), 'excluded\n');
    writeFileSync(join(dir, 'old.log'), 'too old\n');
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'old.log'), past, past);
    writeFileSync(join(dir, 'rotated.log.gz'), gzipSync(Buffer.from('compressed\n')));
    const { rcv, consumer, metrics } = await startReceiver({
      include: [join(dir, '*.log'), join(dir, '*.gz')],
      exclude: [join(dir, 'skip.log')],
      exclude_older_than: '10m',
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(bodies(consumer)).toEqual(['kept']);
    expect(await metrics.render()).not.toMatch(/files_skipped_total\{/);
    await rcv.shutdown();
  });
});

describe('file_log: max_concurrent_files', () => {
  it('with more files than max_concurrent_files, all of them are read in turns while they grow', async () => {
    const dir = tempDir();
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const n of names) writeFileSync(join(dir, `${n}.log`), lines(1, 20, n));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, '*.log')],
      start_at: 'beginning',
      max_concurrent_files: 2,
    });
    const openFiles = () =>
      (rcv as unknown as { consumer: { trackedFiles(): unknown[] } }).consumer.trackedFiles().length;
    let maxOpen = 0;
    // every file keeps growing: none may starve behind the two open ones
    for (let round = 0; round < 10; round++) {
      for (const n of names)
        appendFileSync(join(dir, `${n}.log`), lines(21 + round * 10, 30 + round * 10, n));
      await new Promise((r) => setTimeout(r, 25));
      maxOpen = Math.max(maxOpen, openFiles());
    }
    await waitFor(() => bodies(consumer).length >= 5 * 120, 8000, 'all lines of all files');
    await new Promise((r) => setTimeout(r, 100));
    expect(bodies(consumer).sort()).toEqual(names.flatMap((n) => expected(1, 120, n)).sort());
    expect(maxOpen).toBeLessThanOrEqual(2);
    await rcv.shutdown();
  });

  it('a file rotated (renamed away) while it was closed for its turn is read to its end from its offset', async () => {
    const dir = tempDir();
    const x = join(dir, 'x.log');
    const y = join(dir, 'y.log');
    writeFileSync(x, lines(1, 10, 'x'));
    writeFileSync(y, lines(1, 10, 'y'));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, '*.log')],
      start_at: 'beginning',
      max_concurrent_files: 1,
    });
    const tracked = () =>
      (rcv as unknown as { consumer: { trackedFiles(): { path: string }[] } }).consumer
        .trackedFiles()
        .map((f) => f.path);
    await waitFor(() => bodies(consumer).length === 20);
    await waitFor(() => !tracked().includes(x), 5000, 'x.log closed');
    // while x.log is closed: more lines, renamed (outside include), a new x.log
    appendFileSync(x, lines(11, 15, 'x'));
    renameSync(x, `${x}.1`);
    appendFileSync(`${x}.1`, lines(16, 20, 'x'));
    writeFileSync(x, lines(21, 30, 'x'));
    appendFileSync(y, lines(11, 20, 'y'));
    await waitFor(() => bodies(consumer).length >= 50, 5000, 'all lines');
    await new Promise((r) => setTimeout(r, 150));
    expect(bodies(consumer).sort()).toEqual([...expected(1, 30, 'x'), ...expected(1, 20, 'y')].sort());
    await rcv.shutdown();
  });
});

describe('file_log: bad input', () => {
  it('emits a line over max_log_size as several records of at most max_log_size bytes (as the collector does)', async () => {
    const dir = tempDir();
    const f = join(dir, 'long.log');
    const long = 'abcdefghij'.repeat(25); // 250 bytes
    writeFileSync(f, `short\n${long}\nafter\n`);
    const { rcv, consumer, metrics } = await startReceiver({
      include: [f],
      start_at: 'beginning',
      max_log_size: 100,
    });
    await waitFor(() => bodies(consumer).length === 5);
    expect(bodies(consumer)).toEqual([
      'short',
      long.slice(0, 100),
      long.slice(100, 200),
      long.slice(200),
      'after',
    ]);
    expect(await metrics.render()).toMatch(/tsunagi_file_log_lines_split_total\{receiver="file_log"\} 1/);
    // a line still being written (no newline yet) is emitted piece by piece too, nothing lost
    appendFileSync(f, 'x'.repeat(150));
    await waitFor(() => bodies(consumer).length === 6);
    appendFileSync(f, 'y'.repeat(60));
    appendFileSync(f, '\n');
    await waitFor(() => bodies(consumer).length >= 8);
    expect(bodies(consumer).slice(5).join('')).toBe(`${'x'.repeat(150)}${'y'.repeat(60)}`);
    expect(
      bodies(consumer)
        .slice(5)
        .every((b) => Buffer.byteLength(b) <= 100),
    ).toBe(true);
    await rcv.shutdown();
  });

  it('container operator: the pieces of an over-long CRI line keep their text, time, stream and pod', async () => {
    const t = '2024-01-01T00:00:00.5Z';
    const content = `${'0123456789'.repeat(20)} end `;
    // a long F line, then a long P fragment whose F follows: the second is recombined whole
    const { root } = criPodFile(`${t} stdout F ${content}\n${t} stderr P ${content}\n${t} stderr F tail\n`);
    const { rcv, consumer, metrics } = await startCriReceiver(root, { max_log_size: 64 });
    await waitFor(() => bodies(consumer).join('').length === content.length * 2 + 4);
    const recs = records(consumer.received);
    const first = recs.filter(
      ({ r }) => anyValueToString(getAttr(r.attributes, 'log.iostream')) === 'stdout',
    );
    expect(first.map(({ r }) => anyValueToString(r.body)).join('')).toBe(content);
    for (const { rl, r } of recs) {
      expect(r.timeUnixNano).toBe(1704067200500000000n);
      expect(getAttr(rl.resource.attributes, 'k8s.pod.name')).toEqual({ stringValue: 'pod' });
    }
    expect(bodies(consumer).at(-1)).toBe(`${content}tail`);
    expect(await metrics.render()).not.toMatch(/operator_errors_total\{/);
    await rcv.shutdown();
  });

  it('replaces invalid UTF-8, skips binary files, and other files keep flowing', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.log'),
      Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xfe]), Buffer.from(' end\n')]),
    );
    writeFileSync(join(dir, 'bin.log'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 10, 2, 3]));
    writeFileSync(join(dir, 'good.log'), 'fine\n');
    const { rcv, consumer, metrics } = await startReceiver({
      include: [join(dir, '*.log')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 2);
    expect(bodies(consumer).sort()).toEqual(['fine', 'ok \uFFFD\uFFFD end']);
    const text = await metrics.render();
    expect(text).toMatch(/tsunagi_file_log_invalid_utf8_lines_total\{receiver="file_log"\} 1/);
    expect(text).toMatch(/tsunagi_file_log_files_skipped_total\{receiver="file_log",reason="binary"\} 1/);
    await rcv.shutdown();
  });

  it('reports an unreadable file and reads the others', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'secret.log'), 'hidden\n');
    chmodSync(join(dir, 'secret.log'), 0);
    writeFileSync(join(dir, 'open.log'), 'visible\n');
    // root reads any file: as root (CI), act as `nobody` for this test (effective uid only, restored)
    const asRoot = process.getuid?.() === 0;
    if (asRoot) process.seteuid?.(65534);
    try {
      const { rcv, consumer, metrics } = await startReceiver({
        include: [join(dir, '*.log')],
        start_at: 'beginning',
      });
      await waitFor(() => bodies(consumer).length === 1);
      expect(bodies(consumer)).toEqual(['visible']);
      expect(await metrics.render()).toMatch(/reason="unreadable"\} 1/);
      await rcv.shutdown();
    } finally {
      if (asRoot) process.seteuid?.(0);
    }
  });
});

describe('file_log: rotation', () => {
  it('kubelet rotation: rename + create + later gzip of the old file: no loss, no duplicate', async () => {
    const dir = tempDir();
    const f = join(dir, '0.log');
    writeFileSync(f, lines(1, 100));
    const { rcv, consumer } = await startReceiver({ include: [join(dir, '*.log')], start_at: 'beginning' });
    await waitFor(() => bodies(consumer).length === 100);
    appendFileSync(f, lines(101, 150));
    renameSync(f, `${f}.20240101-000000`);
    // the runtime writes a little more to the old fd, then reopens; a half line spans the rotation
    appendFileSync(`${f}.20240101-000000`, `${lines(151, 160)}line 161`);
    appendFileSync(`${f}.20240101-000000`, '\n');
    writeFileSync(f, lines(162, 200));
    await waitFor(() => bodies(consumer).length === 200);
    // later the kubelet compresses the finished file and removes the plain one
    const old = `${f}.20240101-000000`;
    writeFileSync(`${old}.gz`, gzipSync(readFileSync(old)));
    unlinkSync(old);
    appendFileSync(f, lines(201, 210));
    await waitFor(() => bodies(consumer).length >= 210);
    await new Promise((r) => setTimeout(r, 100));
    expect(bodies(consumer).sort()).toEqual(expected(1, 210).sort());
    await rcv.shutdown();
  });

  it('copytruncate: the truncated file is read again from the start; the copy is not re-read', async () => {
    const dir = tempDir();
    const f = join(dir, 'app.log');
    writeFileSync(f, lines(1, 50));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, 'app.log*')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length === 50);
    writeFileSync(`${f}.1`, readFileSync(f));
    truncateSync(f, 0);
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(f, lines(51, 60));
    await waitFor(() => bodies(consumer).length >= 60);
    await new Promise((r) => setTimeout(r, 100));
    expect(bodies(consumer).sort()).toEqual(expected(1, 60).sort());
    await rcv.shutdown();
  });

  it('kubelet rotation splitting a CRI line: P at the end of the renamed file, F in the new 0.log: one whole record', async () => {
    const t = '2024-01-01T00:00:00Z';
    const { root, f } = criPodFile(`${t} stdout F before\n`);
    const { rcv, consumer } = await startCriReceiver(root);
    await waitFor(() => bodies(consumer).length === 1);
    // a backlog (more than one round-robin turn) in the old file, the first part of a line, the
    // kubelet renames, the runtime reopens and writes the rest: the old file is finished first
    let backlog = '';
    for (let i = 1; i <= 6000; i++) backlog += `${t} stdout F n ${i}\n`;
    appendFileSync(f, `${backlog}${t} stdout P first half \n`);
    renameSync(f, `${f}.20240101-000000`);
    writeFileSync(f, `${t} stdout F and second half\n${t} stdout F after\n`);
    await waitFor(() => bodies(consumer).length >= 6003);
    await new Promise((r) => setTimeout(r, 100));
    const got = bodies(consumer);
    expect(got.length).toBe(6003);
    expect(got.slice(-2)).toEqual(['first half and second half', 'after']);
    const joined = records(consumer.received).at(-2);
    expect(getAttr(joined?.r.attributes ?? [], 'log.file.path')).toEqual({ stringValue: f });
    await rcv.shutdown();
  });

  for (const include of ['app.log*', 'app.log'])
    it(`copytruncate right after lines were appended (include ${include}): the unread lines come from the copy, once`, async () => {
      const dir = tempDir();
      const f = join(dir, 'app.log');
      writeFileSync(f, lines(1, 50));
      const { rcv, consumer } = await startReceiver({ include: [join(dir, include)], start_at: 'beginning' });
      await waitFor(() => bodies(consumer).length === 50);
      // appended, copied and truncated before the next poll: lines 51..60 exist only in the copy
      appendFileSync(f, lines(51, 60));
      writeFileSync(`${f}.1`, readFileSync(f));
      truncateSync(f, 0);
      appendFileSync(f, lines(61, 70));
      await waitFor(() => bodies(consumer).length >= 70, 5000, 'lines 1..70');
      await new Promise((r) => setTimeout(r, 150));
      expect(bodies(consumer).sort()).toEqual(expected(1, 70).sort());
      await rcv.shutdown();
    });

  it('copytruncate: lines read while the truncated file had no fingerprint yet are not read again', async () => {
    const dir = tempDir();
    const f = join(dir, 'app.log');
    const x = join(dir, 'x.log');
    writeFileSync(f, lines(1, 50));
    writeFileSync(x, lines(1, 1, 'x'));
    const { rcv, consumer } = await startReceiver({ include: [f, x], start_at: 'beginning' });
    const tracked = () =>
      (
        rcv as unknown as { consumer: { trackedFiles(): { path: string; offset: number }[] } }
      ).consumer.trackedFiles();
    await waitFor(() => bodies(consumer).length === 51);
    writeFileSync(`${f}.1`, readFileSync(f));
    truncateSync(f, 0);
    await waitFor(() => tracked().find((t) => t.path === f)?.offset === 0, 5000, 'truncation seen');
    // x.log is rotated away with a backlog: it is read first in the next poll, and while its
    // batch is consumed (after app.log was checked, empty) app.log gets its first new lines,
    // which the same poll then reads
    renameSync(x, `${x}.1`);
    await new Promise((r) => setTimeout(r, 60)); // x.log.1 is seen as rotated away
    let armed = true;
    const consume = consumer.consume.bind(consumer);
    consumer.consume = async (d) => {
      await consume(d);
      if (armed) appendFileSync(f, lines(51, 60));
      armed = false;
    };
    appendFileSync(`${x}.1`, lines(2, 2000, 'x'));
    await waitFor(() => bodies(consumer).length >= 2060, 5000, 'all lines');
    await new Promise((r) => setTimeout(r, 150));
    expect(bodies(consumer).sort()).toEqual([...expected(1, 60), ...expected(1, 2000, 'x')].sort());
    await rcv.shutdown();
  });

  it('copytruncate splitting a CRI line: the copy is finished (F) before the truncated file is read again', async () => {
    const t = '2024-01-01T00:00:00Z';
    const { root, f } = criPodFile(`${t} stdout F before\n`);
    const { rcv, consumer } = await startCriReceiver(root);
    const offset = () =>
      (rcv as unknown as { consumer: { trackedFiles(): { offset: number }[] } }).consumer.trackedFiles()[0]
        ?.offset ?? 0;
    await waitFor(() => bodies(consumer).length === 1);
    // the reader has read (and holds) the first part of a line; its rest, one more line, then
    // logrotate's copy + truncate, then new lines: the held part must meet its rest from the copy
    appendFileSync(f, `${t} stdout P first half \n`);
    const size = readFileSync(f).length;
    await waitFor(() => offset() === size, 5000, 'the P fragment read');
    appendFileSync(f, `${t} stdout F and second half\n${t} stdout F copy tail\n`);
    writeFileSync(`${f}.1`, readFileSync(f));
    truncateSync(f, 0);
    appendFileSync(f, `${t} stdout F new 1\n${t} stdout F new 2\n`);
    await waitFor(() => bodies(consumer).length >= 5, 5000, '5 records');
    await new Promise((r) => setTimeout(r, 150));
    expect(bodies(consumer)).toEqual(['before', 'first half and second half', 'copy tail', 'new 1', 'new 2']);
    await rcv.shutdown();
  });

  it('a file created and rotated away while a slow backlog is read is still found and read', async () => {
    const dir = tempDir();
    const f = join(dir, '0.log');
    writeFileSync(f, lines(1, 60_000, 'a')); // 59 batches: ≥ 1.2 s at 20 ms per batch
    const { rcv, consumer } = await startReceiver({ include: [join(dir, '*.log')], start_at: 'beginning' });
    const consume = consumer.consume.bind(consumer);
    consumer.consume = async (d) => {
      await new Promise((r) => setTimeout(r, 20)); // a slow next consumer: catching up takes a while
      await consume(d);
    };
    await waitFor(() => bodies(consumer).length > 0);
    // kubelet rotates twice while that one backlog is being read: 0.log.1 is known (open),
    // the 0.log in between exists for 400 ms only and must have been picked up meanwhile
    renameSync(f, `${f}.1`);
    writeFileSync(f, lines(1, 10, 'b'));
    await new Promise((r) => setTimeout(r, 400));
    renameSync(f, `${f}.2`);
    writeFileSync(f, lines(1, 10, 'c'));
    await waitFor(() => bodies(consumer).length >= 60_020, 8000, 'all lines');
    await new Promise((r) => setTimeout(r, 150));
    const got = bodies(consumer);
    expect(got.length).toBe(60_020);
    expect(new Set(got).size).toBe(60_020);
    expect(got.filter((b) => b.startsWith('b')).sort()).toEqual(expected(1, 10, 'b').sort());
    await rcv.shutdown();
  }, 10_000);

  it('copytruncate while a backlog is being read (truncated and refilled past the offset mid-poll): every line once', async () => {
    const dir = tempDir();
    const f = join(dir, 'app.log');
    const { rcv, consumer } = await startReceiver({ include: [f], start_at: 'beginning' });
    // logrotate copies and truncates while the reader is between two batches of a 3000-line
    // backlog, and the application has refilled the file past the reader's offset before the
    // reader reads again: what is at that offset now is the new file's content, not the old one's
    let rotated = false;
    const consume = consumer.consume.bind(consumer);
    consumer.consume = async (d) => {
      await consume(d);
      if (rotated) return;
      rotated = true;
      writeFileSync(`${f}.1`, readFileSync(f));
      truncateSync(f, 0);
      appendFileSync(f, lines(3001, 9000));
    };
    writeFileSync(f, lines(1, 3000));
    await waitFor(() => bodies(consumer).length >= 9000, 5000, 'lines 1..9000');
    await new Promise((r) => setTimeout(r, 150));
    expect(bodies(consumer).sort()).toEqual(expected(1, 9000).sort());
    await rcv.shutdown();
  });

  it('overlapping globs (/var/log/containers symlinks and /var/log/pods): each line once, across a rotation', async () => {
    const dir = tempDir();
    const pods = join(dir, 'pods', 'ns_pod_0123abcd', 'c');
    mkdirSync(pods, { recursive: true });
    mkdirSync(join(dir, 'containers'));
    const f = join(pods, '0.log');
    writeFileSync(f, lines(1, 20));
    const link = join(dir, 'containers', 'pod_ns_c-abc.log');
    symlinkSync(f, link);
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, 'containers', '*.log'), join(dir, 'pods', '*', '*', '*.log')],
      start_at: 'beginning',
    });
    await waitFor(() => bodies(consumer).length >= 20);
    appendFileSync(f, lines(21, 30));
    renameSync(f, `${f}.20240101-000000`);
    appendFileSync(`${f}.20240101-000000`, lines(31, 35));
    writeFileSync(f, lines(36, 50)); // the symlink now points to the new file
    await waitFor(() => bodies(consumer).length >= 50);
    await new Promise((r) => setTimeout(r, 150));
    expect(bodies(consumer).sort()).toEqual(expected(1, 50).sort());
    await rcv.shutdown();
  });

  it('a file deleted while being read is read to its end through the open descriptor', async () => {
    const dir = tempDir();
    const f = join(dir, 'gone.log');
    writeFileSync(f, lines(1, 10));
    const { rcv, consumer } = await startReceiver({ include: [join(dir, '*.log')], start_at: 'beginning' });
    await waitFor(() => bodies(consumer).length === 10);
    // keep writing through another descriptor, then delete
    const fs = await import('node:fs');
    const fd = fs.openSync(f, 'a');
    fs.writeSync(fd, lines(11, 20));
    unlinkSync(f);
    fs.writeSync(fd, lines(21, 30));
    fs.closeSync(fd);
    await waitFor(() => bodies(consumer).length === 30);
    expect(bodies(consumer)).toEqual(expected(1, 30));
    await rcv.shutdown();
  });

  it('follows symlinks (like /var/log/containers) and reports resolved name and path', async () => {
    const dir = tempDir();
    const pods = join(dir, 'pods', 'ns_pod_uid', 'c');
    mkdirSync(pods, { recursive: true });
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(pods, '0.log'), 'via link\n');
    symlinkSync(join(pods, '0.log'), join(dir, 'containers', 'pod_ns_c-abc.log'));
    const { rcv, consumer } = await startReceiver({
      include: [join(dir, 'containers', '*.log')],
      start_at: 'beginning',
      include_file_name_resolved: true,
      include_file_path_resolved: true,
    });
    await waitFor(() => bodies(consumer).length === 1);
    const [{ r }] = records(consumer.received);
    expect(getAttr(r.attributes, 'log.file.name')).toEqual({ stringValue: 'pod_ns_c-abc.log' });
    expect(getAttr(r.attributes, 'log.file.name_resolved')).toEqual({ stringValue: '0.log' });
    expect(getAttr(r.attributes, 'log.file.path_resolved')).toEqual({ stringValue: join(pods, '0.log') });
    await rcv.shutdown();
  });
});
