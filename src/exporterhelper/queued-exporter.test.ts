import { describe, expect, it } from 'vitest';
import { poolReuses } from '../codec/buffer-pool.js';
import { decodeTraces, decodeTracesLazy, encodeTraces } from '../codec/otlp-proto.js';
import type { Host } from '../component/component.js';
import { ConsumerError, permanentError, retryableError } from '../component/errors.js';
import type { StorageClient, StorageExtension, StorageOp } from '../component/storage.js';
import { setItemAttribute } from '../pdata/attributes.js';
import { rawList } from '../pdata/lazy.js';
import type { Signal, SignalDataMap } from '../pdata/signal.js';
import type { TracesData } from '../pdata/types.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';
import {
  createQueuedExporter,
  createRequestExporter,
  type ExporterRequest,
  QueuedExporter,
  type RequestConverter,
  type RequestSendFunctions,
  type SendFunctions,
} from './index.js';
import { otlpBatchCodec } from './otlp-codec.js';
import type { BatchCodec } from './persistent-store.js';
import {
  captureLogger,
  counterValue,
  helperConfig,
  settingsWith,
  spanNames,
  traces,
  waitFor,
} from './testing/helpers.js';

const noHost: Host = { getExtension: () => undefined };

/** A backend the test scripts: each call runs the next behaviour (the last one repeats). */
function scriptedBackend(...script: ((d: TracesData) => void | Promise<void>)[]) {
  const received: string[][] = [];
  let calls = 0;
  const fns: SendFunctions = {
    async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
      const step = script[Math.min(calls++, script.length - 1)];
      await step(data as TracesData);
      received.push(spanNames(data as TracesData));
    },
  };
  return { fns, received, calls: () => calls };
}
const ok = () => {};

describe('exporter helper: retry', () => {
  it('retries a retryable error and delivers once; counts sent spans', async () => {
    const metrics = new SelfMetrics();
    const { logger } = captureLogger();
    const b = scriptedBackend(() => {
      throw retryableError('503');
    }, ok);
    const exp = createQueuedExporter(
      settingsWith('otlp/a', logger, metrics),
      helperConfig(),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b'));
    await waitFor(() => b.received.length === 1);
    await exp.shutdown();
    expect(b.received).toEqual([['a', 'b']]);
    expect(b.calls()).toBe(2);
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'otlp/a' })).toBe(2);
  });

  it('honours retryAfterMs as a lower bound on the next delay', async () => {
    const { logger } = captureLogger();
    const times: number[] = [];
    const b = scriptedBackend(
      () => {
        times.push(Date.now());
        throw retryableError('429', { retryAfterMs: 300, throttled: true });
      },
      () => {
        times.push(Date.now());
      },
    );
    const exp = createQueuedExporter(
      settingsWith('x', logger),
      helperConfig({ sending_queue: { enabled: false } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a'));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(290);
  });

  it('drops a permanent error without retrying: counted and logged with reason and count', async () => {
    const metrics = new SelfMetrics();
    const cap = captureLogger();
    const b = scriptedBackend(() => {
      throw permanentError('HTTP 400: bad span');
    });
    const exp = createQueuedExporter(
      settingsWith('otlp/p', cap.logger, metrics),
      helperConfig(),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b', 'c'));
    await waitFor(() => cap.lines.some((l) => l.msg === 'Exporting failed. Dropping data.'));
    await exp.shutdown();
    expect(b.calls()).toBe(1);
    const line = cap.lines.find((l) => l.msg === 'Exporting failed. Dropping data.')!;
    expect(line).toMatchObject({ level: 50, dropped_items: 3, exporter: 'otlp/p' });
    expect(String(line.error)).toContain('bad span');
    expect(
      await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'otlp/p' }),
    ).toBe(3);
  });

  it('a permanent error on part of a batch counts only the rejected items as failed', async () => {
    const metrics = new SelfMetrics();
    const cap = captureLogger();
    const b = scriptedBackend(() => {
      throw permanentError('1 document rejected: mapper_parsing_exception', { rejectedItems: 1 });
    });
    const exp = createQueuedExporter(
      settingsWith('es', cap.logger, metrics),
      helperConfig(),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b', 'c'));
    await waitFor(() => cap.lines.some((l) => l.msg === 'Exporting failed. Dropping data.'));
    await exp.shutdown();
    expect(cap.lines.find((l) => l.msg === 'Exporting failed. Dropping data.')).toMatchObject({
      dropped_items: 1,
    });
    expect(await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'es' })).toBe(
      1,
    );
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'es' })).toBe(2);
  });

  it('gives up after max_elapsed_time and reports the retryable error inline', async () => {
    const metrics = new SelfMetrics();
    const { logger } = captureLogger();
    const b = scriptedBackend(() => {
      throw retryableError('down');
    });
    const exp = createQueuedExporter(
      settingsWith('e', logger, metrics),
      helperConfig({ sending_queue: { enabled: false }, retry_on_failure: { max_elapsed_time: '100ms' } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    const err = await exp.consume('traces', traces('a')).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
    expect(b.calls()).toBeGreaterThan(1);
    expect(await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'e' })).toBe(
      1,
    );
  });

  it('retries only retryData after a partial failure', async () => {
    const { logger } = captureLogger();
    const metrics = new SelfMetrics();
    const b = scriptedBackend(() => {
      throw retryableError('partial', { retryData: traces('c') });
    }, ok);
    const exp = createQueuedExporter(
      settingsWith('pp', logger, metrics),
      helperConfig({ sending_queue: { enabled: false } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b', 'c'));
    expect(b.received).toEqual([['c']]);
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'pp' })).toBe(3);
  });

  it('aborts an attempt at the timeout and retries it', async () => {
    const { logger } = captureLogger();
    let aborted = false;
    let calls = 0;
    const fns: SendFunctions = {
      send: (_s, _d, abort) => {
        if (calls++ > 0) return Promise.resolve();
        return new Promise((_r, reject) => {
          abort.addEventListener('abort', () => {
            aborted = true;
            reject(abort.reason);
          });
        });
      },
    };
    const exp = createQueuedExporter(
      settingsWith('t', logger),
      helperConfig({ timeout: 50, sending_queue: { enabled: false } }),
      ['traces'],
      fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a'));
    expect(aborted).toBe(true);
    expect(calls).toBe(2);
  });
});

describe('exporter helper: backlog and retryNow', () => {
  it('counts what is queued or being sent, and retryNow ends a long backoff at once', async () => {
    const { logger } = captureLogger();
    let fail = true;
    const b = scriptedBackend((d) => {
      if (fail) throw retryableError('503');
      void d;
    });
    const exp = new QueuedExporter(
      settingsWith('otlp/r', logger),
      helperConfig({
        retry_on_failure: {
          initial_interval: '1h',
          max_interval: '1h',
          max_elapsed_time: 0,
          randomization_factor: 0,
        },
      }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    expect(exp.backlog()).toBe(0);
    await exp.consume('traces', traces('a'));
    await exp.consume('traces', traces('b'));
    await waitFor(() => b.calls() === 2); // both failed once, now waiting an hour
    expect(exp.backlog()).toBe(2);
    fail = false;
    exp.retryNow();
    await waitFor(() => b.received.length === 2);
    expect(exp.backlog()).toBe(0);
    await exp.shutdown();
  });
});

describe('exporter helper: memory queue', () => {
  it('rejects with a retryable throttled error when full and counts enqueue_failed', async () => {
    const metrics = new SelfMetrics();
    const { logger } = captureLogger();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const b = scriptedBackend(() => gate);
    const exp = createQueuedExporter(
      settingsWith('q', logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 2 } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('1')); // taken by the worker (still counts until done)
    await exp.consume('traces', traces('2'));
    const err = await exp.consume('traces', traces('3', '4')).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
    expect(err.throttled).toBe(true);
    // A retry delay, so receivers answer with RetryInfo / Retry-After (senders retry).
    expect(err.retryAfterMs).toBe(1000);
    expect(
      await counterValue(metrics, 'otelcol_exporter_enqueue_failed_spans_total', { exporter: 'q' }),
    ).toBe(2);
    expect(await metrics.render()).toMatch(/otelcol_exporter_queue_capacity\{exporter="q"\} 2/);
    // Both batches are held (one at the backend, one waiting): the gauge says 2.
    expect(await metrics.render()).toMatch(/otelcol_exporter_queue_size\{exporter="q"\} 2/);
    release();
    await waitFor(() => b.received.length === 2);
    await exp.shutdown();
    expect(b.received).toEqual([['1'], ['2']]);
    expect(await metrics.render()).toMatch(/otelcol_exporter_queue_size\{exporter="q"\} 0/);
  });

  it('sizer: items counts spans against queue_size and refuses a batch larger than the queue', async () => {
    const metrics = new SelfMetrics();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const b = scriptedBackend(() => gate);
    const exp = createQueuedExporter(
      settingsWith('qi', captureLogger().logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 5, sizer: 'items' } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('1', '2', '3'));
    await expect(exp.consume('traces', traces('4', '5', '6'))).rejects.toMatchObject({ retryable: true });
    await exp.consume('traces', traces('4', '5'));
    await expect(exp.consume('traces', traces('a', 'b', 'c', 'd', 'e', 'f'))).rejects.toMatchObject({
      retryable: false,
    });
    expect(
      await counterValue(metrics, 'otelcol_exporter_enqueue_failed_spans_total', { exporter: 'qi' }),
    ).toBe(9);
    release();
    await exp.shutdown();
    expect(b.received.flat()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('sizer: bytes counts the OTLP protobuf size of each batch', async () => {
    const one = otlpBatchCodec.encode('traces', traces('x')).length;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const b = scriptedBackend(() => gate);
    const exp = createQueuedExporter(
      settingsWith('qb', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 2 * one + 1, sizer: 'bytes' } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('x'));
    await exp.consume('traces', traces('y'));
    await expect(exp.consume('traces', traces('z'))).rejects.toMatchObject({ throttled: true });
    release();
    await exp.shutdown();
    expect(b.received.flat()).toEqual(['x', 'y']);
  });

  it('block_on_overflow waits for room instead of rejecting', async () => {
    const { logger } = captureLogger();
    const b = scriptedBackend(() => new Promise((r) => setTimeout(r, 20)));
    const exp = createQueuedExporter(
      settingsWith('bq', logger),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 1, block_on_overflow: true } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    for (let i = 0; i < 5; i++) await exp.consume('traces', traces(String(i)));
    await exp.shutdown();
    expect(b.received.flat()).toEqual(['0', '1', '2', '3', '4']);
  });

  it('wait_for_result settles consume() with the send outcome', async () => {
    const { logger } = captureLogger();
    const b = scriptedBackend(() => {
      throw permanentError('nope');
    });
    const exp = createQueuedExporter(
      settingsWith('w', logger),
      helperConfig({ sending_queue: { wait_for_result: true } }),
      ['traces'],
      b.fns,
    );
    await exp.start(noHost);
    const err = await exp.consume('traces', traces('a')).catch((e) => e);
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(false);
    await exp.shutdown();
  });

  it('shutdown drains the queue, retrying until the backend accepts', async () => {
    const { logger } = captureLogger();
    let n = 0;
    const b = scriptedBackend(() => {
      if (n++ < 3) throw retryableError('not yet');
    });
    const exp = createQueuedExporter(settingsWith('d', logger), helperConfig(), ['traces'], b.fns);
    await exp.start(noHost);
    await exp.consume('traces', traces('a'));
    await exp.consume('traces', traces('b'));
    await exp.shutdown();
    expect(b.received.flat().sort()).toEqual(['a', 'b']);
    await expect(exp.consume('traces', traces('c'))).rejects.toMatchObject({ retryable: true });
  });

  it('logs and counts what is lost when the drain deadline passes', async () => {
    const metrics = new SelfMetrics();
    const cap = captureLogger();
    const b = scriptedBackend(() => {
      throw retryableError('down');
    });
    const exp = createQueuedExporter(
      settingsWith('lost', cap.logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1 } }),
      ['traces'],
      b.fns,
      { drainTimeoutMs: 100 },
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('a', 'b'));
    await exp.consume('traces', traces('c'));
    await exp.shutdown();
    const line = cap.lines.find((l) => String(l.msg).includes('not drained'));
    expect(line).toMatchObject({ dropped_items: 3 });
    expect(
      await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'lost' }),
    ).toBe(3);
  });
});

// ---- persistent queue on an in-memory storage client ----

class MapStorage implements StorageExtension {
  readonly maps = new Map<string, Map<string, Uint8Array>>();
  async start() {}
  async shutdown() {}
  async getClient(kind: string, id: string, name = ''): Promise<StorageClient> {
    const k = `${kind}|${id}|${name}`;
    const map = this.maps.get(k) ?? new Map<string, Uint8Array>();
    this.maps.set(k, map);
    return {
      get: async (key) => map.get(key),
      // copies, as StorageClient requires (callers reuse their buffers)
      set: async (key, v) => void map.set(key, Uint8Array.from(v)),
      delete: async (key) => void map.delete(key),
      batch: async (ops: StorageOp[]) => {
        for (const o of ops) o.op === 'set' ? map.set(o.key, Uint8Array.from(o.value)) : map.delete(o.key);
      },
      close: async () => {},
    };
  }
}

const namesCodec: BatchCodec = {
  encode: (_s, d, headroom = 0) => {
    const json = new TextEncoder().encode(JSON.stringify(spanNames(d as TracesData)));
    const out = new Uint8Array(headroom + json.length);
    out.set(json, headroom);
    return out;
  },
  decode: (_s, b) => traces(...JSON.parse(new TextDecoder().decode(b))) as never,
};

describe('exporter helper: persistent queue', () => {
  it('keeps batches across shutdown while the backend is down and sends them after restart, once', async () => {
    const storage = new MapStorage();
    const host: Host = { getExtension: (id) => (id === 'file_storage' ? storage : undefined) };
    const { logger } = captureLogger();
    const cfg = helperConfig({ sending_queue: { storage: 'file_storage' } });

    const down = scriptedBackend(() => {
      throw retryableError('down');
    });
    const first = createQueuedExporter(settingsWith('otlp', logger), cfg, ['traces'], down.fns, {
      codec: namesCodec,
    });
    await first.start(host);
    for (const n of ['a', 'b', 'c']) await first.consume('traces', traces(n));
    await waitFor(() => down.calls() >= 3);
    await first.shutdown();
    expect(down.received).toEqual([]);

    const up = scriptedBackend(ok);
    const second = createQueuedExporter(settingsWith('otlp', logger), cfg, ['traces'], up.fns, {
      codec: namesCodec,
    });
    await second.start(host);
    await waitFor(() => up.received.length === 3);
    await second.shutdown();
    expect(up.received.flat().sort()).toEqual(['a', 'b', 'c']);
    const left = [...storage.maps.values()][0];
    expect([...left.keys()].filter((k) => k.startsWith('item/'))).toEqual([]);

    const third = scriptedBackend(ok);
    const again = createQueuedExporter(settingsWith('otlp', logger), cfg, ['traces'], third.fns, {
      codec: namesCodec,
    });
    await again.start(host);
    await again.shutdown();
    expect(third.received).toEqual([]);
  });

  it('keeps a large backlog on disk only and still sends all of it', async () => {
    const storage = new MapStorage();
    const host: Host = { getExtension: () => storage };
    let up = false;
    const b = scriptedBackend(() => {
      if (!up) throw retryableError('down');
    });
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { storage: 'file_storage', num_consumers: 2 } }),
      ['traces'],
      b.fns,
      { codec: namesCodec },
    );
    await exp.start(host);
    for (let i = 0; i < 200; i++) await exp.consume('traces', traces(`s${i}`));
    up = true;
    await waitFor(() => b.received.length === 200);
    await exp.shutdown();
    expect(new Set(b.received.flat()).size).toBe(200);
  });

  it('reuses the records of sent batches (codec/buffer-pool.ts), and no batch ever sees another batch’s bytes', async () => {
    const storage = new MapStorage();
    const host: Host = { getExtension: () => storage };
    const got = new Map<string, string[]>();
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        // read the batch a little later: meanwhile more batches are queued, their records made
        await new Promise((r) => setTimeout(r, 3));
        const names = spanNames(data as TracesData);
        got.set(names[0].split('-')[0], names);
      },
    };
    // the default codec: OTLP protobuf, decoded lazily from the record when sent
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { storage: 'file_storage', num_consumers: 2 } }),
      ['traces'],
      fns,
    );
    await exp.start(host);
    const reused = poolReuses();
    const batch = (b: number) =>
      Array.from({ length: 2000 }, (_, i) => `b${b}-span-${i}-${'x'.repeat(30 + (b % 7))}`);
    const n = 60; // each record ≈ 60 KiB+ of span names: pooled
    // two waves: the second one's records reuse the first one's, given back once sent
    for (let b = 0; b < n / 2; b++) await exp.consume('traces', traces(...batch(b)));
    await waitFor(() => got.size === n / 2);
    for (let b = n / 2; b < n; b++) await exp.consume('traces', traces(...batch(b)));
    await waitFor(() => got.size === n);
    await exp.shutdown();
    for (let b = 0; b < n; b++) expect(got.get(`b${b}`)).toEqual(batch(b));
    expect(poolReuses()).toBeGreaterThan(reused + n / 4);
  });

  it('fails start when the storage extension is missing', async () => {
    const { logger } = captureLogger();
    const exp = createQueuedExporter(
      settingsWith('otlp', logger),
      helperConfig({ sending_queue: { storage: 'file_storage' } }),
      ['traces'],
      scriptedBackend(ok).fns,
    );
    await expect(exp.start(noHost)).rejects.toThrow(/storage extension/);
  });
});

describe('exporter helper: batching asked for by a batch processor', () => {
  it('merges queued requests into batches of the asked shape, answering each request at enqueue', async () => {
    const flushed: [number, string][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const b = scriptedBackend(() => gate, ok);
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 1 } }),
      ['traces'],
      b.fns,
    );
    expect(
      exp.acceptBatching?.('traces', {
        minSize: 4,
        maxSize: 6,
        flushTimeoutMs: 50,
        onFlush: (n, t) => flushed.push([n, t]),
      }),
    ).toBe(true);
    await exp.start(noHost);
    // every consume() answers while the backend has not answered anything yet
    for (let i = 0; i < 5; i++) await exp.consume('traces', traces(`a${i}`, `b${i}`));
    release();
    await waitFor(() => b.received.flat().length === 10);
    await exp.shutdown();
    // 2 + 2 make 4 (size); 2 + 2 again; the last 2 wait for the flush timeout
    expect(b.received.map((r) => r.length)).toEqual([4, 4, 2]);
    expect(flushed).toEqual([
      [4, 'size'],
      [4, 'size'],
      [2, 'timeout'],
    ]);
  });

  it('splits a request above the asked max size', async () => {
    const b = scriptedBackend(ok);
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig(),
      ['traces'],
      b.fns,
    );
    exp.acceptBatching?.('traces', { minSize: 3, maxSize: 3, flushTimeoutMs: 0 });
    await exp.start(noHost);
    await exp.consume('traces', traces('1', '2', '3', '4', '5', '6', '7'));
    await waitFor(() => b.received.flat().length === 7);
    await exp.shutdown();
    expect(b.received.every((r) => r.length <= 3)).toBe(true);
  });

  it('keeps its own sending_queue.batch over the asked shape, and refuses to batch without a queue', async () => {
    const own = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { batch: { min_size: 2 } } }),
      ['traces'],
      scriptedBackend(ok).fns,
    );
    expect(own.acceptBatching?.('traces', { minSize: 100, maxSize: 0, flushTimeoutMs: 10 })).toBe(true);
    const inline = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { enabled: false } }),
      ['traces'],
      scriptedBackend(ok).fns,
    );
    expect(inline.acceptBatching?.('traces', { minSize: 100, maxSize: 0, flushTimeoutMs: 10 })).toBe(false);
  });
});

describe('exporter helper: a queue_size below one batch (issue 12: refusal cycle)', () => {
  /** `n` spans named `<tag>-<i>`. */
  const spans = (tag: string, n: number) => traces(...Array.from({ length: n }, (_, i) => `${tag}-${i}`));

  /** `senders` loops of `each` requests of `size` spans, one request in flight each (as SDKs send). */
  async function sendConcurrently(exp: QueuedExporter, senders: number, each: number, size: number) {
    let accepted = 0;
    const refusals: unknown[] = [];
    await Promise.all(
      Array.from({ length: senders }, async (_, s) => {
        for (let i = 0; i < each; i++) {
          await exp.consume('traces', spans(`s${s}r${i}`, size)).then(
            () => accepted++,
            (e) => refusals.push(e),
          );
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    return { accepted, refusals };
  }

  it('queue_size 20 (requests) with batches of 8192: every request is accepted and batches fill by size', async () => {
    const flushed: [number, string][] = [];
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        await new Promise((r) => setImmediate(r));
        sent += spanNames(data as TracesData).length;
      },
    };
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 4, queue_size: 20 } }),
      ['traces'],
      fns,
    );
    // the batch processor's defaults, with a timeout long enough that a flush by timeout would stall the test
    exp.acceptBatching?.('traces', {
      minSize: 8192,
      maxSize: 0,
      flushTimeoutMs: 60_000,
      onFlush: (n, t) => flushed.push([n, t]),
    });
    await exp.start(noHost);
    // 8 senders × 110 requests of 100 spans: 88,000 spans, ten batches' worth, through a queue of 20 requests
    const { accepted, refusals } = await sendConcurrently(exp as QueuedExporter, 8, 110, 100);
    expect(refusals).toEqual([]);
    expect(accepted).toBe(880);
    // ten batches reached 8192 spans while the senders sent; none waited for its timeout
    await waitFor(() => flushed.length >= 10);
    expect(flushed.slice(0, 10).every(([n, t]) => n >= 8192 && t === 'size')).toBe(true);
    await exp.shutdown(); // the partial last batch goes out with the drain
    expect(sent).toBe(88_000);
  });

  it('the same with a persistent queue: nothing refused, and what the drain leaves on disk is sent after restart', async () => {
    const storage = new MapStorage();
    const host: Host = { getExtension: () => storage };
    const cfg = helperConfig({
      sending_queue: { num_consumers: 4, queue_size: 20, storage: 'file_storage' },
    });
    const flushed: [number, string][] = [];
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        sent += spanNames(data as TracesData).length;
      },
    };
    const exp = createQueuedExporter(settingsWith('otlp', captureLogger().logger), cfg, ['traces'], fns, {
      codec: namesCodec,
    });
    exp.acceptBatching?.('traces', {
      minSize: 8192,
      maxSize: 0,
      flushTimeoutMs: 60_000,
      onFlush: (n, t) => flushed.push([n, t]),
    });
    await exp.start(host);
    const { refusals } = await sendConcurrently(exp as QueuedExporter, 4, 100, 100);
    expect(refusals).toEqual([]);
    await waitFor(() => flushed.length >= 4);
    expect(flushed.slice(0, 4).every(([n, t]) => n >= 8192 && t === 'size')).toBe(true);
    await exp.shutdown();
    const after = createQueuedExporter(settingsWith('otlp', captureLogger().logger), cfg, ['traces'], fns, {
      codec: namesCodec,
    });
    await after.start(host);
    await waitFor(() => sent === 40_000);
    await after.shutdown();
  });

  it('sizer items below min_size, and a request cut by max_size into more pieces than queue_size, are accepted too', async () => {
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        sent += spanNames(data as TracesData).length;
      },
    };
    const items = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 2, queue_size: 500, sizer: 'items' } }),
      ['traces'],
      fns,
    );
    items.acceptBatching?.('traces', { minSize: 8192, maxSize: 0, flushTimeoutMs: 60_000 });
    await items.start(noHost);
    const r = await sendConcurrently(items as QueuedExporter, 4, 30, 100);
    expect(r.refusals).toEqual([]);
    await items.shutdown();
    expect(sent).toBe(12_000);
    // queue_size 1 request: a request of 100 spans cut into 10 pieces of 10 is still one request
    sent = 0;
    const one = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 2, queue_size: 1 } }),
      ['traces'],
      fns,
    );
    one.acceptBatching?.('traces', { minSize: 10, maxSize: 10, flushTimeoutMs: 60_000 });
    await one.start(noHost);
    const r1 = await sendConcurrently(one as QueuedExporter, 1, 5, 100);
    expect(r1.refusals).toEqual([]);
    await one.shutdown();
    expect(sent).toBe(500);
  });

  it('a real overload still refuses at once, holds a bounded amount, and loses nothing it accepted', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        await gate; // the backend takes nothing until released
        sent += spanNames(data as TracesData).length;
      },
    };
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 2, queue_size: 20 } }),
      ['traces'],
      fns,
    ) as QueuedExporter;
    exp.acceptBatching?.('traces', { minSize: 500, maxSize: 0, flushTimeoutMs: 60_000 });
    await exp.start(noHost);
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      await exp.consume('traces', spans(`r${i}`, 100)).then(
        () => accepted++,
        (e) => {
          refused = e;
        },
      );
      await new Promise((r) => setImmediate(r));
    }
    // both workers hold a batch of 500 spans at the backend; 20 requests wait; the next is refused at once
    expect(refused).toMatchObject({ retryable: true, throttled: true, retryAfterMs: 1000 });
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + 2 * 5);
    const [lane] = exp.status().queues!;
    expect(lane.size).toBe(20);
    expect(lane.memoryBytes!).toBeLessThanOrEqual(lane.memoryBytesLimit!);
    release();
    await waitFor(() => sent === accepted * 100);
    await exp.consume('traces', spans('after', 100)); // room again
    await exp.shutdown();
    expect(sent).toBe((accepted + 1) * 100);
  });

  it('the byte bound ends a batch being filled when it refuses, instead of leaving it to flush_timeout', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const flushed: [number, string][] = [];
    const b = scriptedBackend(() => gate, ok);
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 2, queue_size: 1000 } }),
      ['traces'],
      b.fns,
      { memoryQueueBytes: 4096 },
    );
    exp.acceptBatching?.('traces', {
      minSize: 10_000,
      maxSize: 0,
      flushTimeoutMs: 60_000,
      onFlush: (n, t) => flushed.push([n, t]),
    });
    await exp.start(noHost);
    // ≈3.4 KB: past a quarter of the bound, a batch of its own, held by the stalled backend
    await exp.consume(
      'traces',
      traces(...Array.from({ length: 30 }, (_, i) => `big-${i}-${'x'.repeat(100)}`)),
    );
    await waitFor(() => flushed.length === 1);
    let refused: unknown;
    let accepted = 0;
    for (let i = 0; i < 50 && refused === undefined; i++)
      await exp.consume('traces', traces(`small-${i}`)).then(
        () => accepted++,
        (e) => {
          refused = e;
        },
      );
    expect(refused).toMatchObject({ retryable: true, throttled: true });
    // the small ones were being batched by the second worker: sent now, not in 60 s
    await waitFor(() => b.received.length === 1 && flushed.length === 2);
    expect(b.received[0]).toHaveLength(accepted);
    expect(flushed[1]).toEqual([accepted, 'size']);
    release();
    await exp.shutdown();
    expect(b.received.flat()).toHaveLength(30 + accepted);
  });

  it('SIGTERM drain delivers the batch being filled and everything queued', async () => {
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        sent += spanNames(data as TracesData).length;
      },
    };
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 4, queue_size: 20 } }),
      ['traces'],
      fns,
    );
    exp.acceptBatching?.('traces', { minSize: 8192, maxSize: 0, flushTimeoutMs: 60_000 });
    await exp.start(noHost);
    const { refusals } = await sendConcurrently(exp as QueuedExporter, 4, 15, 100);
    expect(refusals).toEqual([]);
    expect(sent).toBe(0); // 6000 spans: under one batch, waiting for more
    await exp.shutdown();
    expect(sent).toBe(6000);
  });
});

describe('exporter helper: the memory queue’s byte bound', () => {
  it('counts what a send decodes and builds (sendMemory): batches being sent throttle senders, and sends wait for room', async () => {
    const gates: (() => void)[] = [];
    let sending = 0;
    let most = 0;
    let sent = 0;
    const fns: SendFunctions = {
      async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
        most = Math.max(most, ++sending);
        await new Promise<void>((r) => gates.push(r));
        sending--;
        sent += spanNames(data as TracesData).length;
      },
    };
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger),
      helperConfig({ sending_queue: { num_consumers: 4, queue_size: 1000 } }),
      ['traces'],
      fns,
      // a send takes 3x its queued bytes on top of them: two ≈1.1 KB batches fill 8 KiB
      { memoryQueueBytes: 8192, sendMemory: (_s, bytes) => bytes * 3 },
    );
    await exp.start(noHost);
    const big = () => traces(...Array.from({ length: 10 }, (_, i) => `span-${i}-${'x'.repeat(90)}`));
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 20 && refused === undefined; i++) {
      await exp.consume('traces', big()).then(
        () => accepted++,
        (e) => {
          refused = e;
        },
      );
      await new Promise((r) => setTimeout(r, 5)); // a worker takes it
    }
    // without the send cost, 4 workers would be sending and ~7 requests fit the bytes
    expect(refused).toMatchObject({ retryable: true, throttled: true });
    expect(accepted).toBeLessThanOrEqual(4);
    expect(most).toBe(1); // the second batch waits: its send cost does not fit beside the first
    // sends finish: the rest goes out, nothing accepted is lost
    for (let n = 0; n < 50 && gates.length + sending > 0; n++) {
      for (const g of gates.splice(0)) g();
      await new Promise((r) => setTimeout(r, 5));
    }
    await exp.shutdown();
    expect(sent).toBe(accepted * 10);
  });

  it('throttles senders once the queued bytes reach the bound, whatever the sizer, and frees them as batches are sent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const metrics = new SelfMetrics();
    const b = scriptedBackend(() => gate, ok);
    const exp = createQueuedExporter(
      settingsWith('otlp', captureLogger().logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 1000 } }),
      ['traces'],
      b.fns,
      { memoryQueueBytes: 4096 },
    );
    await exp.start(noHost);
    const big = () => traces(...Array.from({ length: 10 }, (_, i) => `span-${i}-${'x'.repeat(90)}`)); // ≈1.1 KB
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 10 && refused === undefined; i++)
      await exp.consume('traces', big()).then(
        () => accepted++,
        (e) => {
          refused = e;
        },
      );
    // 1000 requests fit the sizer, but only a few KiB of them fit the bytes
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(accepted).toBeLessThanOrEqual(5);
    expect(refused).toMatchObject({ retryable: true, throttled: true, retryAfterMs: 1000 });
    release();
    await waitFor(() => b.received.length === accepted);
    await exp.consume('traces', big()); // room again
    await waitFor(() => b.received.length === accepted + 1);
    await exp.shutdown();
    // a request larger than the whole bound can never fit: permanent
    const exp2 = createQueuedExporter(
      settingsWith('o2', captureLogger().logger),
      helperConfig(),
      ['traces'],
      b.fns,
      {
        memoryQueueBytes: 100,
      },
    );
    await exp2.start(noHost);
    await expect(exp2.consume('traces', big())).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/byte bound/),
    });
    await exp2.shutdown();
  });
});

describe('exporter helper: requests converted when queued (createRequestExporter)', () => {
  /** The exporter's own request: span names, and as many bytes as the test says each one takes. */
  interface NamesRequest extends ExporterRequest {
    names: string[];
  }
  function namesConverter(bytesEach: number) {
    const converted: string[][] = [];
    const converter: RequestConverter<NamesRequest> = {
      convert<S extends Signal>(_s: S, data: SignalDataMap[S], items: number) {
        const names = spanNames(data as TracesData);
        converted.push(names);
        return { names, items, bytes: bytesEach };
      },
      merge: (rs) => ({
        names: rs.flatMap((r) => r.names),
        items: rs.reduce((n, r) => n + r.items, 0),
        bytes: rs.reduce((n, r) => n + r.bytes, 0),
      }),
    };
    return { converter, converted };
  }
  function namesBackend(gate?: Promise<void>) {
    const received: string[][] = [];
    const fns: RequestSendFunctions<NamesRequest> = {
      async send(_s, request) {
        await gate;
        received.push(request.names);
      },
    };
    return { fns, received };
  }

  it('converts in consume(), before the answer; the byte bound counts the converted bytes; send() gets the request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const metrics = new SelfMetrics();
    const { converter, converted } = namesConverter(300);
    const b = namesBackend(gate);
    const exp = createRequestExporter(
      settingsWith('prw', captureLogger().logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1, queue_size: 1000 } }),
      ['traces'],
      converter,
      b.fns,
      { memoryQueueBytes: 1000 },
    );
    await exp.start(noHost);
    // far larger as pdata than as the 300 bytes the converter says
    const big = (i: number) => traces(`s${i}-${'x'.repeat(2000)}`, `t${i}`);
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i < 6 && refused === undefined; i++)
      await exp.consume('traces', big(i)).then(
        () => accepted++,
        (e) => {
          refused = e;
        },
      );
    // 300 bytes each in a 1000-byte bound (the one being sent still counts): 3. As pdata each
    // request is over 2 KB of OTLP, larger than the whole bound: it would be refused for good.
    expect(accepted).toBe(3);
    expect(refused).toMatchObject({ retryable: true, throttled: true });
    expect(converted.length).toBeGreaterThanOrEqual(accepted); // converted before answering
    release();
    await waitFor(() => b.received.length === accepted);
    await exp.shutdown();
    expect(b.received.map((n) => n[1])).toEqual(Array.from({ length: accepted }, (_, i) => `t${i}`));
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'prw' })).toBe(
      2 * accepted,
    );
  });

  it('merges queued requests with the converter when batching, and counts a permanent failure by the request’s items', async () => {
    const metrics = new SelfMetrics();
    const { converter } = namesConverter(10);
    let calls = 0;
    const received: string[][] = [];
    const exp = createRequestExporter(
      settingsWith('prw', captureLogger().logger, metrics),
      helperConfig({ sending_queue: { num_consumers: 1, batch: { min_size: 4, flush_timeout: '5s' } } }),
      ['traces'],
      converter,
      {
        async send(_s, request: NamesRequest) {
          received.push(request.names);
          if (calls++ === 1) throw permanentError('bad', { rejectedItems: 1 });
        },
      },
    );
    await exp.start(noHost);
    for (const n of ['a', 'b', 'c', 'd']) await exp.consume('traces', traces(n));
    await waitFor(() => received.length === 1);
    for (const n of ['e', 'f', 'g', 'h']) await exp.consume('traces', traces(n));
    await waitFor(() => received.length === 2);
    await exp.shutdown();
    expect(received).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f', 'g', 'h'],
    ]);
    expect(await counterValue(metrics, 'otelcol_exporter_sent_spans_total', { exporter: 'prw' })).toBe(7);
    expect(await counterValue(metrics, 'otelcol_exporter_send_failed_spans_total', { exporter: 'prw' })).toBe(
      1,
    );
  });

  it('converts inline without a queue, and when sending from a persistent queue (which stores the pdata)', async () => {
    const inline = namesBackend();
    const exp = createRequestExporter(
      settingsWith('prw', captureLogger().logger),
      helperConfig({ sending_queue: { enabled: false } }),
      ['traces'],
      namesConverter(1).converter,
      inline.fns,
    );
    await exp.start(noHost);
    await exp.consume('traces', traces('now'));
    expect(inline.received).toEqual([['now']]);
    await exp.shutdown();

    const storage = new MapStorage();
    const host: Host = { getExtension: () => storage };
    const stored = namesBackend();
    const { converter, converted } = namesConverter(1);
    const persistent = createRequestExporter(
      settingsWith('prw', captureLogger().logger),
      helperConfig({ sending_queue: { storage: 'file_storage' } }),
      ['traces'],
      converter,
      stored.fns,
      { codec: namesCodec },
    );
    await persistent.start(host);
    await persistent.consume('traces', traces('kept'));
    await waitFor(() => stored.received.length === 1);
    await persistent.shutdown();
    expect(stored.received).toEqual([['kept']]);
    expect(converted).toEqual([['kept']]);
  });
});

describe('exporter helper: an OTLP exporter’s memory queue keeps decoded spans as their encoding', () => {
  /** A request as the OTLP receiver hands it over (lazy), read and changed by a processor. */
  function touchedRequest(): TracesData {
    const d = decodeTracesLazy(encodeTraces(traces('a', 'b', 'ü'.repeat(300))));
    for (const rs of d.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) setItemAttribute(s, 'env', { stringValue: 'prod ✓' });
    return d;
  }

  for (const sendsOtlp of [true, false])
    it(`sendsOtlp ${sendsOtlp}: the sender gets the same data and bytes${sendsOtlp ? ', kept as bytes while queued' : ''}`, async () => {
      const sent: Buffer[] = [];
      let keptAsBytes: boolean[] = [];
      const fns: SendFunctions = {
        async send<S extends Signal>(_s: S, data: SignalDataMap[S]) {
          const d = data as TracesData;
          keptAsBytes = d.resourceSpans.map((rs) => rawList(rs) !== undefined);
          sent.push(Buffer.from(encodeTraces(d)));
        },
      };
      const exp = createQueuedExporter(
        settingsWith('otlp/c', captureLogger().logger, new SelfMetrics()),
        helperConfig(),
        ['traces'],
        fns,
        { sendsOtlp },
      );
      await exp.start(noHost);
      const d = touchedRequest();
      const expected = Buffer.from(encodeTraces(touchedRequest()));
      await exp.consume('traces', d);
      await waitFor(() => sent.length === 1);
      await exp.shutdown();
      expect(sent[0].equals(expected)).toBe(true);
      expect(keptAsBytes).toEqual(d.resourceSpans.map(() => sendsOtlp));
      expect(spanNames(decodeTraces(sent[0]))).toEqual(['a', 'b', 'ü'.repeat(300)]);
    });
});
