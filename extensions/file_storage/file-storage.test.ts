import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { silentLogger } from '../../src/telemetry/logger.js';
import { testSettings } from '../../test/support/component.js';
import { CONFORMANCE_DIR } from '../../test/support/conformance-dir.js';
import { fileStorageConfigSchema } from './config.js';
import { storeFileName } from './extension.js';
import { factory } from './factory.js';
import { LogStore } from './log-store.js';
import { SyncGroup } from './sync-group.js';

const root = await mkdtemp(join(tmpdir(), 'tsunagi-fs-'));
let dir: string;
let n = 0;
beforeEach(async () => {
  dir = await mkdtemp(join(root, `t${n++}-`));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const b = (s: string) => new TextEncoder().encode(s);
const bytes = (u: Uint8Array | undefined) => (u ? new Uint8Array(u) : undefined);
const s = (u: Uint8Array | undefined) => (u ? new TextDecoder().decode(u) : undefined);
const openStore = (path: string, extra: Partial<Parameters<typeof LogStore.open>[0]> = {}) =>
  LogStore.open({ path, fsync: true, lockTimeoutMs: 1000, logger: silentLogger(), ...extra });

describe('file_storage log store', () => {
  it('persists set, delete and batch across reopen', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    await st.set('a', b('1'));
    await st.set('b', b('2'));
    await st.delete('a');
    await st.batch([
      { op: 'set', key: 'c', value: b('3') },
      { op: 'set', key: 'b', value: b('22') },
    ]);
    await st.close();
    const again = await openStore(path);
    expect(s(await again.get('a'))).toBeUndefined();
    expect(s(await again.get('b'))).toBe('22');
    expect(s(await again.get('c'))).toBe('3');
    await again.close();
  });

  it('recovers from a torn last record: keeps what was complete, truncates, keeps working', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    await st.set('k1', b('v1'));
    const good = (await stat(path)).size;
    await st.set('k2', b('v2'.repeat(100)));
    await st.close();
    // A crash mid-write: only part of the second record reached the disk.
    await truncate(path, good + 20);
    const again = await openStore(path);
    expect(s(await again.get('k1'))).toBe('v1');
    expect(await again.get('k2')).toBeUndefined();
    expect((await stat(path)).size).toBe(good);
    await again.set('k3', b('v3'));
    await again.close();
    const third = await openStore(path);
    expect(s(await third.get('k3'))).toBe('v3');
    await third.close();
  });

  it('drops a record whose checksum does not match (garbage tail) instead of failing to start', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    await st.set('k', b('v'));
    await st.close();
    await appendFile(path, Buffer.from([20, 0, 0, 0, 1, 2, 3, 4, ...new Array(20).fill(7)]));
    const again = await openStore(path);
    expect(s(await again.get('k'))).toBe('v');
    await again.close();
  });

  it('applies a batch atomically: a batch cut by a crash leaves none of its operations', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    await st.set('x', b('old'));
    const before = (await stat(path)).size;
    await st.batch([
      { op: 'set', key: 'x', value: b('new') },
      { op: 'set', key: 'y', value: b('y'.repeat(1000)) },
      { op: 'delete', key: 'x' },
      { op: 'set', key: 'z', value: b('z') },
    ]);
    const after = (await stat(path)).size;
    await st.close();
    await truncate(path, after - 3);
    const again = await openStore(path);
    expect(s(await again.get('x'))).toBe('old');
    expect(await again.get('y')).toBeUndefined();
    expect(await again.get('z')).toBeUndefined();
    expect((await stat(path)).size).toBe(before);
    await again.close();
  });

  it('large values (written by reference, not copied) round-trip, and their bytes are checksummed', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    const big = (c: number, n: number) => new Uint8Array(n).fill(c);
    await st.batch([
      { op: 'set', key: 'small', value: b('s') },
      { op: 'set', key: 'big1', value: big(1, 100_000) },
      { op: 'delete', key: 'none' },
      { op: 'set', key: 'big2', value: big(2, 4096) },
      { op: 'set', key: 'tail', value: b('t') },
    ]);
    // concurrent writes are committed as one group (one writev of all their chunks)
    await Promise.all([st.set('g1', big(3, 70_000)), st.set('g2', b('x')), st.set('g3', big(4, 5000))]);
    const good = (await stat(path)).size;
    await st.set('last', big(5, 50_000));
    await st.close();
    const again = await openStore(path);
    expect(bytes(await again.get('big1'))).toEqual(big(1, 100_000));
    expect(bytes(await again.get('big2'))).toEqual(big(2, 4096));
    expect(bytes(await again.get('g1'))).toEqual(big(3, 70_000));
    expect(bytes(await again.get('g3'))).toEqual(big(4, 5000));
    expect(s(await again.get('g2'))).toBe('x');
    expect(s(await again.get('tail'))).toBe('t');
    expect(bytes(await again.get('last'))).toEqual(big(5, 50_000));
    await again.close();
    // one flipped byte inside the last large value: the checksum must catch it
    const file = await readFile(path);
    file[good + 30_000] ^= 0xff;
    await writeFile(path, file);
    const third = await openStore(path);
    expect(await third.get('last')).toBeUndefined();
    expect(bytes(await third.get('g1'))).toEqual(big(3, 70_000));
    await third.close();
  });

  it('compacts to the live data on request and automatically past the threshold', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path, { autoCompactMinBytes: 64 * 1024 });
    const big = new Uint8Array(1000).fill(1);
    let maxSize = 0;
    for (let i = 0; i < 300; i++) {
      await st.set(`k${i % 5}`, big);
      maxSize = Math.max(maxSize, (await stat(path)).size);
    }
    // 300 KB written over 5 live keys: auto-compaction kept the file bounded.
    expect(maxSize).toBeLessThan(150 * 1024);
    await st.set('keep', b('me'));
    await st.delete('k0');
    await st.compact();
    // One record header per max_transaction_size keys on top of the live data.
    expect((await stat(path)).size).toBeLessThanOrEqual(st.sizes().live + 12);
    await st.close();
    const again = await openStore(path);
    expect(s(await again.get('keep'))).toBe('me');
    expect(await again.get('k0')).toBeUndefined();
    expect((await again.get('k4'))?.length).toBe(1000);
    await again.close();
  });

  it('keeps large values on disk: read back right, after compactions, during one, and after reopen', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path, { autoCompactMinBytes: 256 * 1024 });
    const val = (i: number) => new Uint8Array(20_000 + i).fill(i % 251);
    // churn: 60 large values written, most deleted, so auto-compaction runs and moves the rest
    for (let i = 0; i < 60; i++) {
      await st.set(`item/${i}`, val(i));
      if (i % 4 !== 0) await st.delete(`item/${i}`);
    }
    const live = Array.from({ length: 15 }, (_, j) => j * 4);
    for (const i of live) expect(bytes(await st.get(`item/${i}`))).toEqual(val(i));
    // reads issued while a compaction replaces the file
    const reads = live.map((i) => st.get(`item/${i}`));
    const compacted = st.compact();
    const more = live.map((i) => st.get(`item/${i}`));
    await compacted;
    for (const [k, r] of [...reads, ...more].entries())
      expect(bytes(await r)).toEqual(val(live[k % live.length]));
    expect((await stat(path)).size).toBeLessThan(live.length * 21_000 + 4096);
    await st.close();
    const again = await openStore(path);
    for (const i of live) expect(bytes(await again.get(`item/${i}`))).toEqual(val(i));
    await again.compact();
    for (const i of live) expect(bytes(await again.get(`item/${i}`))).toEqual(val(i));
    await again.close();
  });

  it('commits concurrent writes (grouped) and all of them are durable', async () => {
    const path = join(dir, 'db');
    const st = await openStore(path);
    await Promise.all(Array.from({ length: 500 }, (_, i) => st.set(`k${i}`, b(`v${i}`))));
    await st.close();
    const again = await openStore(path);
    for (let i = 0; i < 500; i++) expect(s(await again.get(`k${i}`))).toBe(`v${i}`);
    await again.close();
  });

  it('completes a write issued right as the previous one resolves (no write waits for a later one)', async () => {
    // The persistent queue deletes a sent batch's records one after the other
    // (`await remove(a); await remove(b)`): the second write arrives while the
    // writer that committed the first is winding down. It must be written
    // now, not when some unrelated later write happens to come along.
    const st = await openStore(join(dir, 'db'), { fsync: false });
    const remove = async (k: string) => {
      await st.delete(k);
    };
    for (let i = 0; i < 20; i++) {
      await st.set(`k${i}`, b('v'));
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        (async () => {
          await remove(`a${i}`);
          await remove(`b${i}`);
          return 'written';
        })(),
        new Promise<string>((r) => {
          timer = setTimeout(() => r(`write ${i} still waiting after 2 s`), 2000);
        }),
      ]);
      clearTimeout(timer);
      expect(done).toBe('written');
    }
    await st.close();
  });

  it('writes on the event loop exactly what the thread-pool write writes (same file, byte for byte)', async () => {
    // The same history through a store that writes every group inline (the default for groups
    // up to 2 MiB) and one that writes every group through the thread pool.
    const big = (c: number, n: number) => new Uint8Array(n).fill(c);
    const history = async (st: LogStore) => {
      await st.set('', new Uint8Array(0)); // empty key and value
      await st.set('ключ-鍵-🔑', b('значение — 値 — 🙂'));
      await st.set('long', b('x'.repeat(300_000)));
      await st.batch([
        { op: 'set', key: 'big', value: big(7, 1_500_000) },
        { op: 'delete', key: 'missing' },
        { op: 'set', key: 'small', value: b('s') },
      ]);
      // 1500 writes in one group: more chunks than one writev takes (IOV_MAX, 1024)
      await Promise.all(
        Array.from({ length: 1500 }, (_, i) =>
          st.set(`k${i}`, i % 3 === 0 ? big(i % 251, i % 30 === 0 ? 5000 + i : 1000 + i) : b(`v${i}`)),
        ),
      );
      await st.batch([{ op: 'delete', key: 'long' }], { lazy: true });
      await st.set('past-the-inline-bound', big(9, 3 * 1024 * 1024)); // thread pool in both
      await Promise.all([st.set('a', big(1, 2 * 1024 * 1024 - 200)), st.set('b', b('after'))]);
      await st.close();
    };
    const inline = join(dir, 'inline');
    const pooled = join(dir, 'pooled');
    await history(await openStore(inline));
    await history(await openStore(pooled, { inlineWriteBytes: -1 }));
    const [fi, fp] = [await readFile(inline), await readFile(pooled)];
    expect(fi.length).toBe(fp.length);
    expect(fi.equals(fp)).toBe(true);
    // (Buffer#equals: toEqual walks megabytes element by element)
    const same = (u: Uint8Array | undefined, want: Uint8Array) =>
      u !== undefined && Buffer.from(u).equals(want);
    const again = await openStore(inline);
    expect(bytes(await again.get(''))).toEqual(new Uint8Array(0));
    expect(s(await again.get('ключ-鍵-🔑'))).toBe('значение — 値 — 🙂');
    expect(await again.get('long')).toBeUndefined();
    expect(same(await again.get('big'), big(7, 1_500_000))).toBe(true);
    for (const i of [0, 1, 2, 999, 1023, 1024, 1025, 1499])
      expect(
        same(
          await again.get(`k${i}`),
          i % 3 === 0 ? big(i % 251, i % 30 === 0 ? 5000 + i : 1000 + i) : b(`v${i}`),
        ),
      ).toBe(true);
    expect(same(await again.get('past-the-inline-bound'), big(9, 3 * 1024 * 1024))).toBe(true);
    expect(same(await again.get('a'), big(1, 2 * 1024 * 1024 - 200))).toBe(true);
    expect(s(await again.get('b'))).toBe('after');
    await again.close();
  });

  it('refuses a file that is not a store, and a file locked by a live process', async () => {
    const path = join(dir, 'db');
    await appendFile(path, 'hello world, not a store');
    await expect(openStore(path)).rejects.toThrow(/not a file_storage store/);
    const p2 = join(dir, 'locked');
    await appendFile(`${p2}.lock`, String(process.ppid));
    await expect(openStore(p2, { lockTimeoutMs: 50 })).rejects.toThrow(/locked by process/);
  });

  it('a lazy batch is written at once without a sync of its own, and is kept by the next sync and by close', async () => {
    const path = join(dir, 'db');
    const group = new SyncGroup();
    const st = await openStore(path, { syncGroup: group });
    await st.set('a', b('1'));
    await st.set('b', b('2'));
    expect(group.rounds).toBe(2);
    await st.batch([{ op: 'delete', key: 'a' }], { lazy: true });
    expect(group.rounds).toBe(2); // resolved without waiting for an fsync
    expect(await st.get('a')).toBeUndefined();
    await st.set('c', b('3')); // this sync covers the delete written before it
    expect(group.rounds).toBe(3);
    await st.batch([{ op: 'delete', key: 'b' }], { lazy: true });
    await st.close();
    const again = await openStore(path);
    expect(s(await again.get('a'))).toBeUndefined();
    expect(s(await again.get('b'))).toBeUndefined();
    expect(s(await again.get('c'))).toBe('3');
    await again.close();
  });

  it('takes over the lock of a crashed process', async () => {
    const path = join(dir, 'db');
    await appendFile(`${path}.lock`, '999999999');
    const st = await openStore(path);
    await st.set('a', b('1'));
    await st.close();
  });
});

describe('file_storage extension', () => {
  it('accepts the collector fixture keys', async () => {
    const yaml = parse(
      await readFile(`${CONFORMANCE_DIR}collector-configs/filestorage.yaml`, 'utf8'),
    ) as Record<string, unknown>;
    const all = fileStorageConfigSchema.parse(yaml['file_storage/all_settings']);
    expect(all).toMatchObject({ timeout: 2000, fsync: true, compaction: { on_start: true } });
    const dflt = fileStorageConfigSchema.parse({});
    expect(dflt).toMatchObject({
      directory: '/var/lib/otelcol/file_storage',
      create_directory: false,
      fsync: true,
      timeout: 1000,
    });
    expect(() => fileStorageConfigSchema.parse({ directry: '/x' })).toThrow();
  });

  it('syncs the stores written together in one round (a request fanned out to two queues waits for one)', async () => {
    const ext = factory.create(
      testSettings('file_storage', 'extension'),
      fileStorageConfigSchema.parse({ directory: dir }),
      noServices,
    ) as import('./extension.js').FileStorageExtension;
    await ext.start();
    const loki = await ext.getClient('exporter', 'loki', 'logs');
    const es = await ext.getClient('exporter', 'elasticsearch', 'logs');
    const before = ext.syncGroup.rounds;
    for (let i = 0; i < 5; i++) {
      const record = (k: string) => [
        { op: 'set' as const, key: `item/${i}`, value: b(`${k}${i}`.repeat(1000)) },
        { op: 'set' as const, key: 'wi', value: b(String(i + 1)) },
      ];
      await Promise.all([loki.batch(record('l')), es.batch(record('e'))]);
    }
    expect(ext.syncGroup.rounds - before).toBe(5);
    await ext.shutdown();
    for (const [name, k] of [
      ['exporter_loki__logs', 'l'],
      ['exporter_elasticsearch__logs', 'e'],
    ]) {
      const st = await openStore(join(dir, name));
      for (let i = 0; i < 5; i++) expect(s(await st.get(`item/${i}`))).toBe(`${k}${i}`.repeat(1000));
      await st.close();
    }
  });

  it('names files like the collector and sanitizes unsafe characters', () => {
    expect(storeFileName('exporter', 'otlp', 'traces')).toBe('exporter_otlp__traces');
    expect(storeFileName('receiver', 'filelog/a b', '')).toBe('receiver_filelog_a~20b');
  });

  it('errors on a missing directory unless create_directory, then creates it 0750', async () => {
    const missing = join(dir, 'sub', 'store');
    const cfg = fileStorageConfigSchema.parse({ directory: missing });
    await expect(
      factory.create(testSettings('file_storage', 'extension'), cfg, noServices).start({
        getExtension: () => undefined,
      }),
    ).rejects.toThrow(/does not exist/);
    const ext = factory.create(
      testSettings('file_storage', 'extension'),
      { ...cfg, create_directory: true },
      noServices,
    ) as import('./extension.js').FileStorageExtension;
    await ext.start();
    expect((await stat(missing)).mode & 0o777).toBe(0o750);
    const c = await ext.getClient('exporter', 'otlp/x', 'logs');
    await c.set('k', b('v'));
    await expect(ext.getClient('exporter', 'otlp/x', 'logs')).rejects.toThrow(/already open/);
    await ext.shutdown();
    expect((await stat(join(missing, 'exporter_otlp_x_logs'))).size).toBeGreaterThan(0);
  });
});

const noServices = { pipelinesReady: () => true };

/** A sync group whose rounds return only when the test says so (each still fdatasyncs for real). */
function heldSyncGroup() {
  const syncs: { release: () => void; fail: (e: Error) => void }[] = [];
  const group = {
    inRound: false,
    beginWrite: () => ({ writing: 1, waiting: [] }),
    abandon: () => {},
    sync: (fh: import('node:fs/promises').FileHandle) =>
      new Promise<void>((resolve, reject) =>
        syncs.push({ release: () => fh.datasync().then(resolve, reject), fail: reject }),
      ),
  } as unknown as SyncGroup;
  return { group, syncs };
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

describe('file_storage log store: a group is written while the one before it is being synced', () => {
  it('writes the next records during the sync, commits in order, and keeps them all across reopen', async () => {
    const path = join(dir, 'db');
    const { group, syncs } = heldSyncGroup();
    const st = await openStore(path, { syncGroup: group });
    const order: string[] = [];
    const first = st.set('a', b('1')).then(() => order.push('a'));
    await until(() => syncs.length === 1);
    const lazy = st
      .batch([{ op: 'set', key: 'l', value: b('lazy') }], { lazy: true })
      .then(() => order.push('l'));
    const second = st.set('b', b('2'.repeat(70_000))).then(() => order.push('b')); // a large value: kept on disk
    // written and its sync asked for while the first sync is still running
    await until(() => syncs.length === 2);
    expect(order).toEqual([]);
    syncs[1].release();
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]); // never before the group written before it
    syncs[0].release();
    await Promise.all([first, lazy, second]);
    expect(order).toEqual(['a', 'l', 'b']);
    expect(s(await st.get('b'))).toBe('2'.repeat(70_000));
    await st.close();
    const again = await openStore(path);
    expect(s(await again.get('a'))).toBe('1');
    expect(s(await again.get('l'))).toBe('lazy');
    expect(s(await again.get('b'))).toBe('2'.repeat(70_000));
    await again.close();
  });

  it('a failed sync fails the groups written after it too, cuts them off, and the store keeps working', async () => {
    const path = join(dir, 'db');
    const { group, syncs } = heldSyncGroup();
    const st = await openStore(path, { syncGroup: group });
    const ok = st.set('a', b('1'));
    await until(() => syncs.length === 1);
    syncs[0].release();
    await ok;
    const committed = st.sizes().file;
    const doomed = st.set('x', b('lost'));
    await until(() => syncs.length === 2);
    const after = st.set('y', b('also lost')); // written during the failing sync
    await until(() => syncs.length === 3);
    syncs[2].release();
    syncs[1].fail(new Error('EIO'));
    await expect(doomed).rejects.toThrow('EIO');
    await expect(after).rejects.toThrow('EIO');
    expect(await st.get('x')).toBeUndefined();
    expect(await st.get('y')).toBeUndefined();
    const later = st.set('z', b('3'));
    await until(() => syncs.length === 4);
    expect((await stat(path)).size).toBeGreaterThan(committed); // z written after the cut
    syncs[3].release();
    await later;
    expect(s(await st.get('z'))).toBe('3');
    await st.close();
    const again = await openStore(path);
    expect(s(await again.get('a'))).toBe('1');
    expect(await again.get('x')).toBeUndefined();
    expect(await again.get('y')).toBeUndefined();
    expect(s(await again.get('z'))).toBe('3');
    expect(again.sizes().file).toBe((await stat(path)).size); // no garbage left in the middle
    await again.close();
  });
});
