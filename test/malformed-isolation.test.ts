// A batch merges several senders' requests; when the next hop refuses it as
// malformed because of one of them, the others' items must still be delivered
// (issue: hostile and buggy clients, 7). The next hop here refuses (400 /
// INVALID_ARGUMENT, as the collector answers a request it cannot decode) any
// request holding a span named "poison": something it checks and Tsunagi does
// not, as a newer collector may.
import { afterEach, describe, expect, it } from 'vitest';
import { otlpGrpcConfigSchema } from '../exporters/otlp_grpc/config.js';
import { factory as grpcFactory } from '../exporters/otlp_grpc/factory.js';
import { otlpHttpConfigSchema } from '../exporters/otlp_http/config.js';
import { factory as httpFactory } from '../exporters/otlp_http/factory.js';
import { decodeTracesLazy, encodeTraces } from '../src/codec/otlp-proto.js';
import type { Exporter } from '../src/component/component.js';
import { mergeData } from '../src/exporterhelper/batch-data.js';
import { captureLogger, settingsWith, traces } from '../src/exporterhelper/testing/helpers.js';
import type { TracesData } from '../src/pdata/types.js';
import { emptyHost } from './support/component.js';
import { FakeOtlpGrpcServer, FakeOtlpHttpServer, itemNames } from './support/fake-otlp.js';

const open: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.stop();
});

/** Ten senders' requests of three spans each, one of them poisoned, decoded as the receiver does (lazily). */
function mergedBatch(): TracesData {
  const requests: TracesData[] = [];
  for (let i = 0; i < 10; i++) {
    const names = [`r${i}.a`, `r${i}.b`, i === 6 ? 'poison' : `r${i}.c`];
    requests.push(decodeTracesLazy(encodeTraces(traces(...names))));
  }
  return mergeData('traces', requests);
}

const noQueue = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };

async function deliver(exp: Exporter): Promise<unknown> {
  await exp.start(emptyHost);
  open.push({ stop: () => exp.shutdown() });
  return exp.consume('traces', mergedBatch()).catch((e: unknown) => e);
}

function delivered(
  requests: { signal: string; body: Record<string, any> }[],
  accepted: Set<number>,
): string[] {
  return requests
    .filter((_, i) => accepted.has(i))
    .flatMap((r) => itemNames(r as Parameters<typeof itemNames>[0]))
    .sort();
}

const expected = Array.from({ length: 10 }, (_, i) => (i === 6 ? [] : [`r${i}.a`, `r${i}.b`, `r${i}.c`]))
  .flat()
  .sort();

describe('a batch the next hop refuses as malformed', () => {
  it('otlp_http: only the poisoned request is dropped, as a partial rejection', async () => {
    const server = new FakeOtlpHttpServer();
    const accepted = new Set<number>();
    server.script = [
      (r) => {
        const i = server.requests.indexOf(r);
        if (itemNames(r).includes('poison'))
          return { status: 400, body: 'proto: wrong wireType = 2 for field' };
        accepted.add(i);
        return { status: 200 };
      },
    ];
    const url = await server.listen();
    open.push({ stop: () => server.close() });
    const exp = httpFactory.create(
      settingsWith('otlp_http', captureLogger().logger),
      otlpHttpConfigSchema.parse({ endpoint: url, compression: 'none', ...noQueue }),
      ['traces'],
    );
    const err = await deliver(exp);
    expect(delivered(server.requests, accepted)).toEqual(expected);
    expect(err).toMatchObject({ retryable: false, rejectedItems: 3 });
  });

  it('otlp_grpc: the same on INVALID_ARGUMENT', async () => {
    const server = new FakeOtlpGrpcServer();
    const accepted = new Set<number>();
    server.script = [
      (r) => {
        const i = server.requests.indexOf(r);
        if (itemNames(r).includes('poison')) return { code: 3, details: 'proto: wrong wireType = 2' };
        accepted.add(i);
        return { code: 0 };
      },
    ];
    const target = await server.listen();
    open.push({ stop: () => server.close() });
    const exp = grpcFactory.create(
      settingsWith('otlp_grpc', captureLogger().logger),
      otlpGrpcConfigSchema.parse({ endpoint: target, tls: { insecure: true }, ...noQueue }),
      ['traces'],
    );
    const err = await deliver(exp);
    expect(delivered(server.requests, accepted)).toEqual(expected);
    expect(err).toMatchObject({ retryable: false, rejectedItems: 3 });
  });
});
