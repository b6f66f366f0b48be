import { appendFileSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/component/component.js';
import { retryableError } from '../../src/component/errors.js';
import { getAttr } from '../../src/pdata/attributes.js';
import type { LogsData } from '../../src/pdata/types.js';
import { CollectingConsumer } from '../../test/support/component.js';
import { MemoryStorageExtension } from '../../test/support/memory-storage.js';
import { bodies, records, startReceiver, storedCheckpoint, tempDir, waitFor } from './testutil/harness.js';

const lines = (from: number, to: number) => {
  let s = '';
  for (let i = from; i <= to; i++) s += `n ${i}\n`;
  return s;
};
const expected = (from: number, to: number) => lines(from, to).trimEnd().split('\n');

function hostWith(ext: MemoryStorageExtension): Host {
  return {
    getExtension: (id) =>
      id === 'file_storage'
        ? ext
        : id === 'other'
          ? { start: async () => {}, shutdown: async () => {} }
          : undefined,
  };
}

/** A kubelet-style pod log directory with an empty 0.log, in-memory storage and a collecting consumer. */
function podLog() {
  const root = tempDir();
  const dir = join(root, 'ns_pod_0123abcd', 'c');
  mkdirSync(dir, { recursive: true });
  const f = join(dir, '0.log');
  writeFileSync(f, '');
  return { root, f, ext: new MemoryStorageExtension(), consumer: new CollectingConsumer<'logs'>() };
}

describe('file_log: checkpoints', () => {
  it('restarts from storage: lines written while stopped arrive, nothing twice (even with start_at: end)', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, '');
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = { include: [join(dir, '*.log')], storage: 'file_storage' };
    let r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    appendFileSync(f, lines(1, 20));
    await waitFor(() => bodies(consumer).length === 20);
    await r.rcv.shutdown();
    appendFileSync(f, lines(21, 40));
    writeFileSync(join(dir, 'b.log'), 'created while down\n');
    r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => bodies(consumer).length === 41);
    await new Promise((res) => setTimeout(res, 100));
    expect(bodies(consumer).sort()).toEqual([...expected(1, 40), 'created while down'].sort());
    await r.rcv.shutdown();
  });

  it('a consumer failing for a while: offsets do not advance; everything arrives once it recovers', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, lines(1, 10));
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    consumer.failWith = retryableError('backend down');
    let attempts = 0;
    const counting = {
      consume: async (d: LogsData) => {
        attempts++;
        return consumer.consume(d);
      },
    };
    const cfg = {
      include: [f],
      start_at: 'beginning',
      storage: 'file_storage',
      retry_on_failure: {
        enabled: true,
        initial_interval: '10ms',
        max_interval: '20ms',
        max_elapsed_time: '50ms',
      },
    };
    const r = await startReceiver(cfg, {
      host: hostWith(ext),
      consumer: counting as unknown as CollectingConsumer<'logs'>,
    });
    await waitFor(() => attempts >= 10, 5000, 'retries past max_elapsed_time');
    appendFileSync(f, lines(11, 20));
    const client = ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
    expect(storedCheckpoint(client).every((x) => x.offset === 0)).toBe(true);
    // a restart while the backend is down loses nothing either
    await r.rcv.shutdown();
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await new Promise((res) => setTimeout(res, 50));
    consumer.failWith = undefined;
    await waitFor(() => bodies(consumer).length === 20);
    await new Promise((res) => setTimeout(res, 100));
    expect(bodies(consumer)).toEqual(expected(1, 20));
    await r2.rcv.shutdown();
    expect(storedCheckpoint(client)[0].offset).toBe(lines(1, 20).length);
  });

  it('storage must name a storage extension', async () => {
    const ext = new MemoryStorageExtension();
    await expect(
      startReceiver({ include: ['/nonexistent/*.log'], storage: 'other' }, { host: hostWith(ext) }),
    ).rejects.toThrow(/not a storage extension/);
    await expect(
      startReceiver({ include: ['/nonexistent/*.log'], storage: 'missing' }, { host: hostWith(ext) }),
    ).rejects.toThrow(/not a configured extension/);
  });

  it('after a crash (no final checkpoint) nothing is lost and accepted lines are not read again', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, '');
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = { include: [f], storage: 'file_storage' };
    const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    appendFileSync(f, lines(1, 500));
    await waitFor(() => bodies(consumer).length === 500);
    await new Promise((res) => setTimeout(res, 1200)); // the table was written since
    appendFileSync(f, lines(501, 600));
    await waitFor(() => bodies(consumer).length === 600);
    // the offsets of every accepted batch are written at once, not with the table a second later
    await new Promise((res) => setTimeout(res, 100));
    await (r.rcv as unknown as { crashForTest(): Promise<void> }).crashForTest();
    appendFileSync(f, lines(601, 700));
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => new Set(bodies(consumer)).size === 700);
    await new Promise((res) => setTimeout(res, 100));
    const got = bodies(consumer);
    expect([...new Set(got)].sort()).toEqual(expected(1, 700).sort());
    expect(got.length).toBe(700);
    await r2.rcv.shutdown();
  });

  it('never checkpoints past a CRI partial line the container operator still holds', async () => {
    const root = tempDir();
    const dir = join(root, 'ns_pod_0123abcd', 'c');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, '0.log');
    const full = '2024-01-01T00:00:00Z stdout F whole\n';
    writeFileSync(f, '');
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = {
      include: [join(root, '*', '*', '*.log')],
      storage: 'file_storage',
      include_file_path: true,
      preserve_trailing_whitespaces: true,
      operators: [{ type: 'container' }],
    };
    const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    appendFileSync(f, `${full}2024-01-01T00:00:01Z stdout P first half \n`);
    await waitFor(() => bodies(consumer).length === 1);
    const client = ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
    const offset = () => storedCheckpoint(client)[0]?.offset;
    await waitFor(() => offset() === full.length);
    await new Promise((res) => setTimeout(res, 100));
    expect(offset()).toBe(full.length);
    appendFileSync(f, '2024-01-01T00:00:02Z stdout F and second half\n');
    await waitFor(() => bodies(consumer).length === 2);
    expect(bodies(consumer)).toEqual(['whole', 'first half and second half']);
    await r.rcv.shutdown();
  });
});

describe('file_log: restart after a rotation while stopped (files outside include)', () => {
  // include matches only <restart>.log, as in config/agent.yaml: the renamed file is not
  // matched, so only its checkpoint leads to it
  const setup = () => {
    const root = tempDir();
    const dir = join(root, 'ns_pod_0123abcd', 'c');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, '0.log');
    writeFileSync(f, '');
    // an older rotation the kubelet already compressed: never read
    writeFileSync(`${f}.20231231-000000.gz`, gzipSync(Buffer.from(lines(900, 910))));
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = {
      include: [join(root, '*', '*', '*.log')],
      storage: 'file_storage',
      retry_on_failure: { enabled: true, initial_interval: '10ms', max_interval: '20ms' },
    };
    return { f, ext, consumer, cfg };
  };
  const exactlyOnce = (got: string[], want: string[]) => {
    expect(got.length).toBe(want.length);
    expect([...got].sort()).toEqual([...want].sort());
  };

  for (const how of ['SIGTERM', 'kill -9'] as const) {
    it(`${how} during a backend outage, rotation by rename + new 0.log, writes to both: every line once`, async () => {
      const { f, ext, consumer, cfg } = setup();
      const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
      appendFileSync(f, lines(1, 30));
      await waitFor(() => bodies(consumer).length === 30);
      const client = () => ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
      const offset = () => storedCheckpoint(client())[0]?.offset ?? -1;
      await waitFor(() => offset() === lines(1, 30).length, 3000, 'checkpoint of the first lines');
      // the backend goes down: lines 31..60 are read but never acknowledged
      consumer.failWith = retryableError('backend down');
      appendFileSync(f, lines(31, 60));
      await new Promise((res) => setTimeout(res, 100));
      if (how === 'SIGTERM') await r.rcv.shutdown();
      else await (r.rcv as unknown as { crashForTest(): Promise<void> }).crashForTest();
      expect(offset()).toBe(lines(1, 30).length);
      // while stopped: the kubelet renames 0.log, the runtime writes a little more to the old
      // descriptor, then reopens a new 0.log
      renameSync(f, `${f}.20240101-000000`);
      appendFileSync(`${f}.20240101-000000`, lines(61, 70));
      writeFileSync(f, lines(71, 90));
      consumer.failWith = undefined;
      const before = bodies(consumer).length;
      const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
      await waitFor(() => bodies(consumer).length - before >= 60, 5000, 'lines 31..90');
      appendFileSync(f, lines(91, 100));
      await waitFor(() => bodies(consumer).length - before >= 70, 5000, 'lines 91..100');
      await new Promise((res) => setTimeout(res, 200));
      exactlyOnce(bodies(consumer).slice(before), expected(31, 100));
      exactlyOnce(bodies(consumer), expected(1, 100));
      await r2.rcv.shutdown();
      // the next start finds nothing left to read
      const r3 = await startReceiver(cfg, { host: hostWith(ext), consumer });
      await new Promise((res) => setTimeout(res, 200));
      exactlyOnce(bodies(consumer), expected(1, 100));
      await r3.rcv.shutdown();
    });
  }
});

describe('file_log: kill -9 right after a new file was opened, then a rotation while down', () => {
  it('the new file is in the checkpoint at once: its renamed rest is read after the restart', async () => {
    const { root, f, ext, consumer } = podLog();
    const cfg = { include: [join(root, '*', '*', '*.log')], storage: 'file_storage' };
    const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    const client = () => ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
    const checkpointed = () => storedCheckpoint(client());
    appendFileSync(f, lines(1, 30));
    await waitFor(() => checkpointed().some((c) => c.offset === lines(1, 30).length), 3000, 'checkpoint');
    // a checkpoint was just written; the kubelet rotates, the new 0.log is read, kill -9 well
    // within the second before the next regular checkpoint
    renameSync(f, `${f}.20240101-000000`);
    writeFileSync(f, lines(31, 40));
    await waitFor(() => bodies(consumer).length === 40);
    await (r.rcv as unknown as { crashForTest(): Promise<void> }).crashForTest();
    // while down: that 0.log is rotated too, after a few more lines; a new 0.log
    renameSync(f, `${f}.20240101-000001`);
    appendFileSync(`${f}.20240101-000001`, lines(41, 50));
    writeFileSync(f, lines(51, 60));
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => new Set(bodies(consumer)).size === 60, 5000, 'lines 1..60');
    await new Promise((res) => setTimeout(res, 150));
    expect([...new Set(bodies(consumer))].sort()).toEqual(expected(1, 60).sort());
    await r2.rcv.shutdown();
  });
});

describe('file_log: restart after a rotation, include on /var/log/containers symlinks only', () => {
  it('the renamed file is found next to the file the symlink points to', async () => {
    const root = tempDir();
    const pods = join(root, 'pods', 'ns_pod_0123abcd', 'c');
    mkdirSync(pods, { recursive: true });
    mkdirSync(join(root, 'containers'));
    const f = join(pods, '0.log');
    writeFileSync(f, lines(1, 10));
    symlinkSync(f, join(root, 'containers', 'pod_ns_c-abc.log'));
    const ext = new MemoryStorageExtension();
    const consumer = new CollectingConsumer<'logs'>();
    const cfg = {
      include: [join(root, 'containers', '*.log')],
      storage: 'file_storage',
      start_at: 'beginning',
    };
    const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => bodies(consumer).length === 10);
    await r.rcv.shutdown();
    appendFileSync(f, lines(11, 20));
    renameSync(f, `${f}.20240101-000000`);
    writeFileSync(f, lines(21, 30)); // the symlink now points to the new file
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => bodies(consumer).length >= 30);
    await new Promise((res) => setTimeout(res, 150));
    expect(bodies(consumer).sort()).toEqual(expected(1, 30).sort());
    await r2.rcv.shutdown();
  });
});

describe('file_log: a CRI line split by a rotation across a restart', () => {
  for (const how of ['SIGTERM', 'kill -9'] as const)
    it(`${how} between the P at the end of the renamed file and the F in the new 0.log: one whole record`, async () => {
      const root = tempDir();
      const dir = join(root, 'ns_pod_0123abcd', 'c');
      mkdirSync(dir, { recursive: true });
      const f = join(dir, '0.log');
      const t = '2024-01-01T00:00:00Z';
      const full = `${t} stdout F whole\n`;
      writeFileSync(f, '');
      const ext = new MemoryStorageExtension();
      const consumer = new CollectingConsumer<'logs'>();
      const cfg = {
        include: [join(root, '*', '*', '*.log')],
        storage: 'file_storage',
        include_file_path: true,
        preserve_trailing_whitespaces: true,
        operators: [{ type: 'container' }],
      };
      const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
      appendFileSync(f, `${full}${t} stdout P first half \n`);
      await waitFor(() => bodies(consumer).length === 1);
      const client = ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
      const offset = () => storedCheckpoint(client)[0]?.offset;
      await waitFor(() => offset() === full.length);
      if (how === 'SIGTERM') await r.rcv.shutdown();
      else await (r.rcv as unknown as { crashForTest(): Promise<void> }).crashForTest();
      expect(bodies(consumer)).toEqual(['whole']);
      renameSync(f, `${f}.20240101-000000`);
      writeFileSync(f, `${t} stdout F and second half\n${t} stdout F next\n`);
      const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
      await waitFor(() => bodies(consumer).length >= 3);
      await new Promise((res) => setTimeout(res, 100));
      expect(bodies(consumer)).toEqual(['whole', 'first half and second half', 'next']);
      await r2.rcv.shutdown();
    });
});

describe('file_log: max_log_size pieces across a restart', () => {
  it('a restart between the pieces of an over-long CRI line: the rest is kept as text, no operator error', async () => {
    const { root, f, ext, consumer } = podLog();
    const cfg = {
      include: [join(root, '*', '*', '*.log')],
      storage: 'file_storage',
      include_file_path: true,
      preserve_trailing_whitespaces: true,
      max_log_size: 64,
      operators: [{ type: 'container' }],
    };
    const r = await startReceiver(cfg, { host: hostWith(ext), consumer });
    const head = '2024-01-01T00:00:00Z stdout F ';
    const content = 'abcdefghij'.repeat(20);
    // the line is still being written: two pieces are emitted, the rest waits for more bytes
    appendFileSync(f, `${head}${content.slice(0, 120)}`);
    await waitFor(() => bodies(consumer).length === 2);
    await r.rcv.shutdown();
    appendFileSync(f, `${content.slice(120)}\n${head}next\n`);
    const r2 = await startReceiver(cfg, { host: hostWith(ext), consumer });
    await waitFor(() => bodies(consumer).at(-1) === 'next');
    await new Promise((res) => setTimeout(res, 100));
    const got = bodies(consumer);
    expect(got.slice(0, -1).join('')).toBe(content);
    expect(got.slice(0, -1).every((b) => Buffer.byteLength(b) <= 64)).toBe(true);
    const text = await r2.metrics.render();
    expect(text).not.toMatch(/tsunagi_stanza_operator_errors_total\{/);
    for (const { rl } of records(consumer.received))
      expect(getAttr(rl.resource.attributes, 'k8s.pod.name')).toEqual({ stringValue: 'pod' });
    await r2.rcv.shutdown();
  });

  it('keeps several batches in flight and advances the checkpoint only over accepted ones, in order', async () => {
    const dir = tempDir();
    const f = join(dir, 'a.log');
    writeFileSync(f, lines(1, 3000)); // three batches of 1024 lines
    const ext = new MemoryStorageExtension();
    const answers: { data: LogsData; accept: () => void }[] = [];
    const gated = {
      consume: (d: LogsData) => new Promise<void>((accept) => answers.push({ data: d, accept })),
    };
    const cfg = { include: [f], start_at: 'beginning', storage: 'file_storage' };
    const r = await startReceiver(cfg, {
      host: hostWith(ext),
      consumer: gated as unknown as CollectingConsumer<'logs'>,
    });
    // the reader does not wait for the first answer before handing over the next batches
    await waitFor(() => answers.length === 3, 5000, 'three batches in flight');
    const client = ext.clients.get('receiver/file_log/') as { data: Map<string, Uint8Array> };
    const offset = () => storedCheckpoint(client)[0]?.offset ?? 0;
    const firstLine = (i: number) => bodies({ received: [answers[i].data] } as CollectingConsumer<'logs'>)[0];
    expect([0, 1, 2].map(firstLine)).toEqual(['n 1', 'n 1025', 'n 2049']);
    // later batches accepted first: nothing may be checkpointed past the unaccepted first one
    answers[2].accept();
    answers[1].accept();
    await new Promise((res) => setTimeout(res, 100));
    expect(offset()).toBe(0);
    answers[0].accept();
    await waitFor(() => offset() === lines(1, 3000).length, 5000, 'checkpoint over all three');
    await r.rcv.shutdown();
  });
});

describe('file_log: a file created while reading waits on the consumer, rotated away while stopped', () => {
  // refused: the batch is retried (reads pause); slow: acceptance takes 1.5 s a batch and the
  // in-flight bound is reached. Either way the new 0.log must be in the checkpoint at its start.
  it.each(['refused', 'slow'] as const)('%s: its renamed content is read after the restart', async (mode) => {
    const { root, f, ext, consumer } = podLog();
    let slowMs = 0;
    const slow = {
      consume: async (d: LogsData) => {
        if (slowMs) await new Promise((res) => setTimeout(res, slowMs));
        return consumer.consume(d);
      },
    };
    const cfg = {
      include: [join(root, '*', '*', '*.log')],
      storage: 'file_storage',
      poll_interval: '20ms',
      retry_on_failure: {
        enabled: true,
        initial_interval: '10ms',
        max_interval: '20ms',
        max_elapsed_time: '0s',
      },
    };
    const start = () =>
      startReceiver(cfg, { host: hostWith(ext), consumer: slow as unknown as CollectingConsumer<'logs'> });
    const r = await start();
    appendFileSync(f, lines(1, 30));
    await waitFor(() => bodies(consumer).length === 30);
    if (mode === 'refused') consumer.failWith = retryableError('backend down');
    else slowMs = 1500;
    // a backlog of several batches
    appendFileSync(f, lines(31, 6000));
    await new Promise((res) => setTimeout(res, 100));
    // the kubelet rotates; the new 0.log is written while nothing is accepted
    renameSync(f, `${f}.20240101-000000`);
    writeFileSync(f, lines(6001, 6020));
    await new Promise((res) => setTimeout(res, 300));
    await r.rcv.shutdown();
    // while down: that 0.log is rotated too; a new 0.log
    renameSync(f, `${f}.20240101-000001`);
    writeFileSync(f, lines(6021, 6030));
    consumer.failWith = undefined;
    slowMs = 0;
    const r2 = await start();
    await waitFor(() => new Set(bodies(consumer)).size === 6030, 10_000, 'lines 1..6030');
    await new Promise((res) => setTimeout(res, 150));
    expect([...new Set(bodies(consumer))].sort()).toEqual(expected(1, 6030).sort());
    await r2.rcv.shutdown();
  });
});

describe('file_log: a file created while one poll reads a long backlog slowly (loaded machine), rotated away while stopped', () => {
  // Acceptance is immediate but every batch costs 150 ms of the event loop (a loaded node):
  // one read turn of four batches lasts 600 ms, longer than the file's whole life under its
  // name here. Matching only between polls (or while acceptance is awaited) never saw it.
  it('the new 0.log is checkpointed within about a poll interval; its renamed content is read after the restart', async () => {
    const { root, f, ext, consumer } = podLog();
    let busyMs = 0;
    const busy = {
      consume: async (d: LogsData) => {
        const until = Date.now() + busyMs;
        while (Date.now() < until) {
          // the event loop is held, as by CPU starvation
        }
        return consumer.consume(d);
      },
    };
    const cfg = { include: [join(root, '*', '*', '*.log')], storage: 'file_storage', poll_interval: '20ms' };
    const start = () =>
      startReceiver(cfg, { host: hostWith(ext), consumer: busy as unknown as CollectingConsumer<'logs'> });
    const r = await start();
    appendFileSync(f, lines(1, 30));
    await waitFor(() => bodies(consumer).length === 30);
    busyMs = 150;
    appendFileSync(f, lines(31, 20_000));
    await new Promise((res) => setTimeout(res, 100));
    renameSync(f, `${f}.20240101-000000`);
    writeFileSync(f, lines(20_001, 20_020));
    await new Promise((res) => setTimeout(res, 300));
    busyMs = 0;
    await r.rcv.shutdown();
    renameSync(f, `${f}.20240101-000001`);
    writeFileSync(f, lines(20_021, 20_030));
    const r2 = await start();
    await waitFor(() => new Set(bodies(consumer)).size === 20_030, 20_000, 'lines 1..20030');
    expect([...new Set(bodies(consumer))].sort()).toEqual(expected(1, 20_030).sort());
    await r2.rcv.shutdown();
  });
});
