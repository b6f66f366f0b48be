// A strict in-test Elasticsearch for _bulk: parses NDJSON (gzip allowed),
// accepts only `create` on data streams (index names `logs|traces|metrics-*-*`),
// requires @timestamp there, applies dynamic mapping per index (a field first
// seen as a number and later sent as an object is a mapper_parsing_exception
// for that item), answers 409 for a create of an existing _id, and can answer
// per-item 429, whole-request 429/5xx, or 413 over a body size.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type FieldType = 'object' | 'long' | 'double' | 'boolean' | 'text';

export interface StoredDoc {
  _index: string;
  _id: string;
  source: Record<string, unknown>;
  /** The bulk action's dynamic_templates (field path → template name), when it had any. */
  dynamicTemplates?: Record<string, string>;
}

/**
 * The dynamic templates Elasticsearch's built-in `metrics@mappings` component template
 * defines (what metrics-*-* data streams get); a bulk action naming another is refused
 * per item with ES's mapper_parsing_exception.
 */
export const METRICS_DYNAMIC_TEMPLATES = new Set([
  'histogram',
  'counter_double',
  'gauge_double',
  'counter_long',
  'gauge_long',
  'summary',
  'summary_metrics',
  'summary_gauge',
  'summary_counter',
]);

export interface BulkLog {
  status: number;
  items: number;
  headers: Record<string, string | string[] | undefined>;
  query: URLSearchParams;
}

const DATA_STREAM = /^(logs|traces|metrics)-[^-]+-[^-]+$/;

interface ItemError {
  status: number;
  type: string;
  reason: string;
}

export class EsStandin {
  readonly requests: BulkLog[] = [];
  private readonly docs = new Map<string, StoredDoc[]>();
  private readonly ids = new Map<string, Set<string>>();
  private readonly mappings = new Map<string, Map<string, FieldType>>();
  private itemRejects = 0;
  private readonly pending: { url: URL; headers: IncomingMessage['headers']; raw: Buffer }[] = [];
  /** Deferred mode: items Elasticsearch would have refused, found by `settle()`. */
  readonly deferredErrors: string[] = [];
  private readonly requestPhases: { status: number; retryAfter?: string }[] = [];
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly opts: {
      maxBodyBytes?: number;
      auth?: string;
      tls?: { cert: Buffer; key: Buffer };
      /**
       * Take _bulk bodies unchecked, answering that every item was created, and check them
       * (every rule above) only when documents are read or `settle()` is called: a load test's
       * backend then costs the machine almost nothing while Tsunagi runs (a real one runs
       * elsewhere). What Elasticsearch would have refused is listed in `deferredErrors`.
       */
      deferred?: boolean;
    } = {},
  ) {}

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = this.opts.tls ? createHttpsServer(this.opts.tls, handler) : createServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.docs.clear();
    this.ids.clear();
    this.mappings.clear();
    this.requests.length = 0;
    this.itemRejects = 0;
    this.requestPhases.length = 0;
    this.pending.length = 0;
    this.deferredErrors.length = 0;
  }

  /** The next `n` items (across requests) are answered 429 es_rejected_execution_exception. */
  rejectNextItems(n: number): void {
    this.itemRejects += n;
  }

  /** The next `times` _bulk requests are answered with `status` as a whole. */
  failNextRequests(times: number, status: number, retryAfter?: string): void {
    for (let i = 0; i < times; i++) this.requestPhases.push({ status, retryAfter });
  }

  /** Documents of an index, or of all indices matching a `logs-*` style pattern. */
  search(pattern = '*'): StoredDoc[] {
    this.settle();
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return [...this.docs.entries()].filter(([i]) => re.test(i)).flatMap(([, d]) => d);
  }

  /** Term query on a (dotted) field path: `trace.id`, `trace_id`, `attributes.user.id`. */
  term(pattern: string, field: string, value: unknown): StoredDoc[] {
    return this.search(pattern).filter((d) => getPath(d.source, field) === value);
  }

  indices(): string[] {
    this.settle();
    return [...this.docs.keys()].sort();
  }

  mapping(index: string): Record<string, FieldType> {
    this.settle();
    return Object.fromEntries(this.mappings.get(index) ?? []);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let raw = Buffer.concat(chunks);
      const send = (status: number, body: unknown, items = 0, headers: Record<string, string> = {}) => {
        this.requests.push({ status, items, headers: req.headers, query: url.searchParams });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const err = (status: number, type: string, reason: string) =>
        send(status, { error: { root_cause: [{ type, reason }], type, reason }, status });
      if (req.method !== 'POST' || !/^(\/[^/_][^/]*)?\/_bulk$/.test(url.pathname))
        return err(405, 'illegal_argument_exception', `unsupported ${req.method} ${url.pathname}`);
      if (this.opts.auth && req.headers.authorization !== this.opts.auth)
        return err(401, 'security_exception', 'missing authentication credentials for REST request [/_bulk]');
      if (this.opts.maxBodyBytes && raw.length > this.opts.maxBodyBytes) {
        this.requests.push({ status: 413, items: 0, headers: req.headers, query: url.searchParams });
        res.writeHead(413);
        return res.end();
      }
      const phase = this.requestPhases.shift();
      if (phase) {
        const type =
          phase.status === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception';
        this.requests.push({ status: phase.status, items: 0, headers: req.headers, query: url.searchParams });
        res.writeHead(phase.status, {
          'content-type': 'application/json',
          ...(phase.retryAfter ? { 'retry-after': phase.retryAfter } : {}),
        });
        return res.end(JSON.stringify({ error: { type, reason: 'rejected' }, status: phase.status }));
      }
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      if (this.opts.deferred && this.deferrable(req.headers, raw)) {
        // Kept as received and checked later (settle): answered as Elasticsearch answers a
        // bulk of creates that all succeed, one item per action (two lines each).
        this.pending.push({ url, headers: req.headers, raw });
        let lines = 0;
        for (let at = raw.indexOf(10); at >= 0; at = raw.indexOf(10, at + 1)) lines++;
        const n = lines >> 1;
        const item = '{"create":{"status":201,"result":"created","_version":1}}';
        this.requests.push({ status: 200, items: n, headers: req.headers, query: url.searchParams });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(`{"took":1,"errors":false,"items":[${Array(n).fill(item).join(',')}]}`);
      }
      const answer = this.bulk(url, req.headers, raw);
      send(answer.status, answer.body, answer.items);
    });
  }

  /** A body the deferred mode may take unchecked (JSON lines ending with a newline); `settle` checks the rest. */
  private deferrable(headers: IncomingMessage['headers'], raw: Buffer): boolean {
    const ct = String(headers['content-type'] ?? '');
    return (
      (ct.startsWith('application/x-ndjson') || ct.startsWith('application/json')) &&
      raw.length > 0 &&
      raw[raw.length - 1] === 10
    );
  }

  /**
   * Checks what the deferred mode took (every body as if it had been answered then) and stores
   * its documents; an item Elasticsearch would have refused is kept in `deferredErrors`.
   */
  settle(): void {
    for (const p of this.pending.splice(0)) {
      const answer = this.bulk(p.url, p.headers, p.raw);
      if (answer.status !== 200) {
        this.deferredErrors.push(`${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        continue;
      }
      for (const it of (answer.body as { items: Record<string, { status: number; error?: unknown }>[] })
        .items) {
        const r = Object.values(it)[0];
        if (r.status >= 300) this.deferredErrors.push(`${r.status}: ${JSON.stringify(r.error)}`);
      }
    }
  }

  /** Elasticsearch's _bulk on a decompressed body: the status, the answer and how many items it had. */
  private bulk(
    url: URL,
    headers: IncomingMessage['headers'],
    raw: Buffer,
  ): { status: number; body: unknown; items: number } {
    const err = (status: number, type: string, reason: string) => ({
      status,
      body: { error: { root_cause: [{ type, reason }], type, reason }, status },
      items: 0,
    });
    const ct = String(headers['content-type'] ?? '');
    if (!ct.startsWith('application/x-ndjson') && !ct.startsWith('application/json'))
      return err(406, 'media_type_header_exception', `Content-Type header [${ct}] is not supported`);
    const text = raw.toString('utf8');
    if (!text.endsWith('\n'))
      return err(400, 'illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = text.split('\n');
    lines.pop();
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<
        string,
        { _index?: string; _id?: string; dynamic_templates?: Record<string, string> }
      >;
      try {
        action = JSON.parse(lines[i]);
      } catch {
        return err(400, 'x_content_parse_exception', `[1:1] Malformed action/metadata line [${i + 1}]`);
      }
      const op = Object.keys(action)[0];
      const meta = action[op] ?? {};
      if (op === 'delete') {
        items.push({ delete: { _index: meta._index, status: 404, result: 'not_found' } });
        continue;
      }
      const srcLine = lines[++i];
      const index = meta._index ?? url.pathname.split('/')[1];
      const result = (status: number, extra: Record<string, unknown>) => {
        items.push({ [op]: { _index: index, _id: meta._id ?? null, status, ...extra } });
      };
      const fail = (e: ItemError) => {
        errors = true;
        result(e.status, { error: { type: e.type, reason: e.reason } });
      };
      if (this.itemRejects > 0) {
        this.itemRejects--;
        fail({
          status: 429,
          type: 'es_rejected_execution_exception',
          reason: 'rejected execution of coordinating operation [shard_detail=[logs][0][P]]',
        });
        continue;
      }
      let source: Record<string, unknown>;
      try {
        source = JSON.parse(srcLine);
      } catch {
        fail({ status: 400, type: 'document_parsing_exception', reason: '[1:1] failed to parse' });
        continue;
      }
      if (DATA_STREAM.test(index)) {
        if (op !== 'create') {
          fail({
            status: 400,
            type: 'illegal_argument_exception',
            reason: `only write ops with an op_type of create are allowed in data streams`,
          });
          continue;
        }
        if (source['@timestamp'] === undefined) {
          fail({
            status: 400,
            type: 'document_parsing_exception',
            reason: 'data stream timestamp field [@timestamp] is missing',
          });
          continue;
        }
        const unknown = index.startsWith('metrics-')
          ? Object.entries(meta.dynamic_templates ?? {}).find(([, t]) => !METRICS_DYNAMIC_TEMPLATES.has(t))
          : undefined;
        if (unknown) {
          fail({
            status: 400,
            type: 'mapper_parsing_exception',
            reason: `Can't find dynamic template for dynamic template name [${unknown[1]}] of field [${unknown[0]}]`,
          });
          continue;
        }
      }
      const id = meta._id ?? randomUUID();
      let ids = this.ids.get(index);
      if (!ids) {
        ids = new Set();
        this.ids.set(index, ids);
      }
      if (op === 'create' && ids.has(id)) {
        fail({
          status: 409,
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, document already exists (current version [1])`,
        });
        continue;
      }
      const mapErr = this.map(index, source, id);
      if (mapErr) {
        fail(mapErr);
        continue;
      }
      ids.add(id);
      let list = this.docs.get(index);
      if (!list) {
        list = [];
        this.docs.set(index, list);
      }
      list.push({
        _index: index,
        _id: id,
        source,
        ...(meta.dynamic_templates ? { dynamicTemplates: meta.dynamic_templates } : {}),
      });
      result(201, { _version: 1, result: 'created' });
    }
    return { status: 200, body: { took: 1, errors, items }, items: items.length };
  }

  /** Dynamic mapping: checks the document against the index's fields, then adds its new fields. */
  private map(index: string, source: Record<string, unknown>, id: string): ItemError | undefined {
    let m = this.mappings.get(index);
    if (!m) {
      m = new Map();
      this.mappings.set(index, m);
    }
    const added: [string, FieldType][] = [];
    const walk = (obj: Record<string, unknown>, prefix: string): ItemError | undefined => {
      for (const [k, v] of Object.entries(obj)) {
        // Dots in field names are object paths, as in Elasticsearch.
        const path = prefix + k;
        const parts = path.split('.');
        for (let p = 1; p < parts.length; p++) {
          const parent = parts.slice(0, p).join('.');
          const t = m!.get(parent) ?? added.find((a) => a[0] === parent)?.[1];
          if (t && t !== 'object') return mapperError(parent, t, JSON.stringify(v), id);
          if (!t) added.push([parent, 'object']);
        }
        const values = Array.isArray(v) ? v : [v];
        for (const one of values) {
          if (one === null) continue;
          const t = typeOf(one);
          const have = m!.get(path) ?? added.find((a) => a[0] === path)?.[1];
          if (!have) {
            added.push([path, t]);
          } else if (have === 'object' && t !== 'object') {
            return {
              status: 400,
              type: 'mapper_parsing_exception',
              reason: `object mapping for [${path}] tried to parse field [${path}] as object, but found a concrete value`,
            };
          } else if (have !== 'object' && !compatible(have, one)) {
            return mapperError(path, have, JSON.stringify(one), id);
          }
          if (t === 'object') {
            const e = walk(one as Record<string, unknown>, `${path}.`);
            if (e) return e;
          }
        }
      }
      return undefined;
    };
    const e = walk(source, '');
    if (e) return e;
    for (const [p, t] of added) if (!m.has(p)) m.set(p, t);
    return undefined;
  }
}

function mapperError(path: string, type: FieldType, preview: string, id: string): ItemError {
  return {
    status: 400,
    type: 'mapper_parsing_exception',
    reason: `failed to parse field [${path}] of type [${type}] in document with id '${id}'. Preview of field's value: '${preview.slice(0, 100)}'`,
  };
}

function typeOf(v: unknown): FieldType {
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'double';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'object') return 'object';
  return 'text';
}

/** Whether a value fits an existing field type (ES coerces numeric strings and numbers ↔ text). */
function compatible(have: FieldType, v: unknown): boolean {
  if (typeof v === 'object') return false;
  switch (have) {
    case 'long':
    case 'double':
      return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)));
    case 'boolean':
      return typeof v === 'boolean' || v === 'true' || v === 'false';
    default:
      return true;
  }
}

/** Reads a dotted path through nested objects and dotted keys alike. */
export function getPath(obj: unknown, path: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  if (path in o) return o[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join('.');
    if (head in o) {
      const r = getPath(o[head], parts.slice(i).join('.'));
      if (r !== undefined) return r;
    }
  }
  return undefined;
}
