// A remote-write endpoint stand-in for the answers a real Prometheus rarely
// gives on demand (5xx, 429 + Retry-After): it checks the remote write 1.0
// headers, un-snappies and decodes each WriteRequest with protobufjs (from the
// prompb message definitions), records it, and answers with the next status
// from a script (then 204, as Prometheus does).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';

const PROMPB = {
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metricFamilyName: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Exemplar: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            value: { type: 'double', id: 2 },
            timestamp: { type: 'int64', id: 3 },
          },
        },
        BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
        Histogram: {
          fields: {
            countInt: { type: 'uint64', id: 1 },
            countFloat: { type: 'double', id: 2 },
            sum: { type: 'double', id: 3 },
            schema: { type: 'sint32', id: 4 },
            zeroThreshold: { type: 'double', id: 5 },
            zeroCountInt: { type: 'uint64', id: 6 },
            negativeSpans: { rule: 'repeated', type: 'BucketSpan', id: 8 },
            negativeDeltas: { rule: 'repeated', type: 'sint64', id: 9 },
            positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
            positiveDeltas: { rule: 'repeated', type: 'sint64', id: 12 },
            timestamp: { type: 'int64', id: 15 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
      },
    },
  },
};

export const WriteRequest = protobuf.Root.fromJSON(PROMPB).lookupType('prometheus.WriteRequest');

export interface DecodedSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
  exemplars: { labels: { name: string; value: string }[]; value: number; timestamp: number }[];
  histograms: Record<string, unknown>[];
}

export interface RecordedWrite {
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  timeseries: DecodedSeries[];
  metadata: { type: number; metricFamilyName: string; help: string; unit: string }[];
}

export class RemoteWriteStandin {
  readonly writes: RecordedWrite[] = [];
  /** Statuses (and optional Retry-After) to answer, in order; 204 once used up. */
  script: { status: number; retryAfter?: string; body?: string }[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        let decoded: Record<string, unknown>;
        try {
          decoded = WriteRequest.toObject(WriteRequest.decode(uncompressSync(body) as Buffer), {
            longs: Number,
            defaults: true,
          });
        } catch (err) {
          res.writeHead(400).end(`decode: ${(err as Error).message}`);
          return;
        }
        this.writes.push({
          headers: req.headers,
          bytes: body.length,
          timeseries: decoded.timeseries as DecodedSeries[],
          metadata: decoded.metadata as RecordedWrite['metadata'],
        });
        const next = this.script.shift();
        if (!next) return void res.writeHead(204).end();
        res
          .writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {})
          .end(next.body ?? '');
      });
    });
    const server = this.server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Every series written, as "name{a=b,...}" → sample values. */
  all(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const w of this.writes)
      for (const ts of w.timeseries) {
        const name = ts.labels.find((l) => l.name === '__name__')?.value ?? '';
        const rest = ts.labels
          .filter((l) => l.name !== '__name__')
          .map((l) => `${l.name}=${l.value}`)
          .join(',');
        const key = `${name}{${rest}}`;
        out.set(key, [...(out.get(key) ?? []), ...ts.samples.map((s) => s.value)]);
      }
    return out;
  }
}
