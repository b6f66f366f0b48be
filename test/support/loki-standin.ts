// A strict in-test Loki: POST /loki/api/v1/push, snappy+protobuf decoded with
// the upstream push proto (protobufjs, independent of the exporter's writer)
// or JSON (optionally gzip). Enforces Loki's validation rules with Loki's
// status codes and messages, stores what it accepted per tenant and stream,
// and can be told to answer 429/5xx/413 for a while.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';
import { CONFORMANCE_DIR } from './conformance-dir.js';

const PROTO = `${CONFORMANCE_DIR}proto/loki/pkg/push/push.proto`;

export function loadPushRequest(): protobuf.Type {
  // gogoproto options only steer Go code generation; the wire format is the plain proto.
  const text = readFileSync(PROTO, 'utf8')
    .replace(/^import "gogoproto\/gogo.proto";$/m, '')
    .replace(/\s*\[\s*\(gogoproto[^\]]*\]/g, '');
  const root = new protobuf.Root();
  protobuf.parse(text, root, { keepCase: true });
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  root.resolveAll();
  return root.lookupType('logproto.PushRequest');
}

export interface StoredEntry {
  /** Unix nanoseconds. */
  ts: bigint;
  line: string;
  structuredMetadata: Record<string, string>;
}

export interface StoredStream {
  tenant: string;
  labels: Record<string, string>;
  entries: StoredEntry[];
}

export interface PushLog {
  tenant: string;
  contentType: string;
  contentEncoding: string;
  status: number;
  entries: number;
  bytes: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface LokiLimits {
  maxLineSize: number;
  maxLabelNamesPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  rejectOldSamplesMaxAgeMs: number;
  creationGracePeriodMs: number;
  /** Bodies larger than this get 413 (the nginx gateway's client_max_body_size). */
  maxBodyBytes: number;
  /** X-Scope-OrgID required (auth_enabled). */
  authEnabled: boolean;
}

const DEFAULT_LIMITS: LokiLimits = {
  maxLineSize: 256 * 1024,
  maxLabelNamesPerSeries: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  rejectOldSamplesMaxAgeMs: 168 * 3_600_000,
  creationGracePeriodMs: 600_000,
  maxBodyBytes: 4 * 1024 * 1024,
  authEnabled: false,
};

interface Phase {
  tenant?: string;
  status: number;
  message: string;
  retryAfter?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Parses a stream selector `{a="b", c="d"}` strictly (as Loki's PromQL parser would accept it). */
export function parseStreamLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`error parsing labels '${s}': ${why}`);
  };
  const ws = () => {
    while (s[i] === ' ') i++;
  };
  ws();
  if (s[i++] !== '{') fail('expected {');
  ws();
  if (s[i] === '}') return out;
  for (;;) {
    ws();
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
    if (!m) fail(`invalid label name at ${i}`);
    const name = m![0];
    i += name.length;
    if (s[i++] !== '=' || s[i++] !== '"') fail('expected ="');
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') {
        const c = s[i + 1];
        v += c === 'n' ? '\n' : c === 't' ? '\t' : c;
        i += 2;
      } else v += s[i++];
    }
    if (s[i++] !== '"') fail('unterminated value');
    if (name in out) throw new Error(`duplicate label name: ${name}`);
    out[name] = v;
    ws();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '}') return out;
    fail('expected , or }');
  }
}

export class LokiStandin {
  readonly limits: LokiLimits;
  readonly pushes: PushLog[] = [];
  private readonly streams = new Map<string, StoredStream>();
  /** Per stream, the (timestamp, line) pairs it holds: Loki's silent dedupe without a scan per entry. */
  private readonly seen = new WeakMap<StoredStream, Set<string>>();
  private readonly phases: Phase[] = [];
  private readonly PushRequest = loadPushRequest();
  private server: Server | undefined;
  url = '';

  private readonly pending: { tenant: string; req: IncomingMessage; body: Buffer; log: PushLog }[] = [];
  /** Deferred mode: what Loki would have refused (its 400 messages), found by `settle()`. */
  readonly deferredErrors: string[] = [];

  constructor(
    limits: Partial<LokiLimits> = {},
    private readonly tls?: { cert: Buffer; key: Buffer },
    /**
     * Take pushes unchecked, answering 204, and decode and check them (every rule here) only when
     * entries are read or `settle()` is called: a load test's backend then costs the machine almost
     * nothing while Tsunagi runs (a real one runs elsewhere). Refusals land in `deferredErrors`.
     */
    private readonly deferred = false,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = this.tls ? createHttpsServer(this.tls, handler) : createServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The next `times` pushes are answered with this status (429/500/503/413/400…). */
  failNext(
    times: number,
    status: number,
    opts: { message?: string; retryAfter?: string; tenant?: string } = {},
  ): void {
    const message = opts.message ?? defaultMessage(status);
    for (let k = 0; k < times; k++)
      this.phases.push({ status, message, retryAfter: opts.retryAfter, tenant: opts.tenant });
  }

  reset(): void {
    this.pending.length = 0;
    this.deferredErrors.length = 0;
    this.streams.clear();
    this.pushes.length = 0;
    this.phases.length = 0;
  }

  /** Decodes and ingests what the deferred mode took, as if it had been checked on arrival. */
  settle(): void {
    for (const p of this.pending.splice(0)) {
      let streams: ReturnType<LokiStandin['decode']>;
      try {
        streams = this.decode(p.req, p.body);
      } catch (err) {
        this.deferredErrors.push(`error at decoding push request: ${(err as Error).message}`);
        continue;
      }
      const { accepted, error } = this.ingest(p.tenant, streams);
      p.log.entries = accepted;
      if (error) this.deferredErrors.push(error);
    }
  }

  allStreams(tenant?: string): StoredStream[] {
    this.settle();
    return [...this.streams.values()].filter((s) => tenant === undefined || s.tenant === tenant);
  }

  entryCount(tenant?: string): number {
    let n = 0;
    for (const s of this.allStreams(tenant)) n += s.entries.length;
    return n;
  }

  /** Streams whose labels match every given label (a `{k="v"}` selector). */
  select(matchers: Record<string, string>, tenant?: string): StoredStream[] {
    return this.allStreams(tenant).filter((s) =>
      Object.entries(matchers).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** Entries with structured metadata `key=value` (e.g. `| trace_id="…"`). */
  findByMetadata(
    key: string,
    value: string,
    tenant?: string,
  ): { stream: StoredStream; entry: StoredEntry }[] {
    const out: { stream: StoredStream; entry: StoredEntry }[] = [];
    for (const stream of this.allStreams(tenant))
      for (const entry of stream.entries)
        if (entry.structuredMetadata[key] === value) out.push({ stream, entry });
    return out;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const answer = (status: number, text: string, headers: Record<string, string> = {}, entries = 0) => {
        this.pushes.push({
          tenant: String(req.headers['x-scope-orgid'] ?? ''),
          contentType: String(req.headers['content-type'] ?? ''),
          contentEncoding: String(req.headers['content-encoding'] ?? ''),
          status,
          entries,
          bytes: body.length,
          headers: req.headers,
        });
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
        res.end(text ? `${text}\n` : '');
      };
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/loki/api/v1/push')
        return answer(404, '404 page not found');
      const tenant = String(req.headers['x-scope-orgid'] ?? (this.limits.authEnabled ? '' : 'fake'));
      if (!tenant) return answer(401, 'no org id');
      if (body.length > this.limits.maxBodyBytes) return answer(413, 'request body too large');
      const at = this.phases.findIndex((p) => p.tenant === undefined || p.tenant === tenant);
      const phase = at < 0 ? undefined : this.phases.splice(at, 1)[0];
      if (phase)
        return answer(
          phase.status,
          phase.message,
          phase.retryAfter ? { 'retry-after': phase.retryAfter } : {},
        );
      if (this.deferred) {
        answer(204, '');
        this.pending.push({ tenant, req, body, log: this.pushes[this.pushes.length - 1] });
        return;
      }
      let streams: { labels: string; entries: { ts: bigint; line: string; sm: Record<string, string> }[] }[];
      try {
        streams = this.decode(req, body);
      } catch (err) {
        return answer(400, `error at decoding push request: ${(err as Error).message}`);
      }
      const { accepted, error } = this.ingest(tenant, streams);
      if (error) return answer(400, error, {}, accepted);
      answer(204, '', {}, accepted);
    });
  }

  private decode(req: IncomingMessage, body: Buffer) {
    const ct = String(req.headers['content-type'] ?? '');
    if (ct.startsWith('application/json')) {
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const doc = JSON.parse(raw.toString('utf8')) as {
        streams: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[];
      };
      return doc.streams.map((s) => ({
        labels: `{${Object.entries(s.stream)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')}}`,
        entries: s.values.map(([ts, line, sm]) => {
          if (!/^\d+$/.test(ts)) throw new Error(`invalid timestamp ${ts}`);
          return { ts: BigInt(ts), line, sm: sm ?? {} };
        }),
      }));
    }
    if (ct !== 'application/x-protobuf') throw new Error(`unsupported content type: ${ct}`);
    const raw = uncompressSync(body) as Buffer;
    const msg = this.PushRequest.decode(raw) as unknown as {
      streams: {
        labels: string;
        entries: {
          timestamp?: { seconds?: number | { toString(): string }; nanos?: number };
          line: string;
          structuredMetadata: { name: string; value: string }[];
        }[];
      }[];
    };
    return msg.streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => {
        const sec = BigInt(String(e.timestamp?.seconds ?? 0));
        const sm: Record<string, string> = {};
        for (const p of e.structuredMetadata) sm[p.name] = p.value;
        return { ts: sec * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0), line: e.line, sm };
      }),
    }));
  }

  /** Loki's distributor validation: invalid entries are dropped, valid ones kept, the last error returned. */
  private ingest(
    tenant: string,
    streams: { labels: string; entries: { ts: bigint; line: string; sm: Record<string, string> }[] }[],
  ): { accepted: number; error?: string } {
    const L = this.limits;
    const now = BigInt(Date.now()) * 1_000_000n;
    let error: string | undefined;
    let accepted = 0;
    for (const s of streams) {
      let labels: Record<string, string>;
      try {
        labels = parseStreamLabels(s.labels);
      } catch (err) {
        error = (err as Error).message;
        continue;
      }
      const names = Object.keys(labels);
      if (names.length === 0) {
        error = 'error at least one label pair is required per stream';
        continue;
      }
      if (names.length > L.maxLabelNamesPerSeries) {
        error = `entry for stream '${s.labels}' has ${names.length} label names; limit ${L.maxLabelNamesPerSeries}`;
        continue;
      }
      const bad = names.find((n) => !LABEL_NAME.test(n) || n.length > L.maxLabelNameLength);
      if (bad) {
        error = `entry for stream '${s.labels}' has label name too long: '${bad}'`;
        continue;
      }
      const badV = names.find((n) => Buffer.byteLength(labels[n]) > L.maxLabelValueLength);
      if (badV) {
        error = `entry for stream '${s.labels}' has label value too long: '${labels[badV]}'`;
        continue;
      }
      const key = `${tenant}\u0000${names
        .sort()
        .map((n) => `${n}=${labels[n]}`)
        .join('\u0001')}`;
      let stored = this.streams.get(key);
      for (const e of s.entries) {
        if (Buffer.byteLength(e.line) > L.maxLineSize) {
          error = `Max entry size '${L.maxLineSize}' bytes exceeded for stream '${s.labels}' while adding an entry with length '${Buffer.byteLength(e.line)}' bytes`;
          continue;
        }
        if (e.ts < now - BigInt(L.rejectOldSamplesMaxAgeMs) * 1_000_000n) {
          error = `entry for stream '${s.labels}' has timestamp too old: ${e.ts}`;
          continue;
        }
        if (e.ts > now + BigInt(L.creationGracePeriodMs) * 1_000_000n) {
          error = `entry for stream '${s.labels}' has timestamp too new: ${e.ts}`;
          continue;
        }
        if (!stored) {
          stored = { tenant, labels, entries: [] };
          this.streams.set(key, stored);
          this.seen.set(stored, new Set());
        }
        // Same timestamp and same line: Loki deduplicates silently. (A scan of the stream per
        // entry made a 50k-entry stream take seconds per push: the exporter's requests timed out.)
        const seen = this.seen.get(stored)!;
        const pair = `${e.ts}\u0000${e.line}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        stored.entries.push({ ts: e.ts, line: e.line, structuredMetadata: e.sm });
        accepted++;
      }
    }
    return { accepted, error };
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 429:
      return "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1' lines totaling '100' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased";
    case 413:
      return 'request body too large';
    case 400:
      return 'error parsing labels';
    default:
      return 'rpc error: code = Unavailable desc = transport is closing';
  }
}
