// `container`: parses Docker json-file, CRI-O and containerd log lines
// (format auto-detected per line), recombines partial lines (CRI `P` tags
// up to the next `F`; Docker `log` values not ending in "\n"), and adds the
// pod identity from the /var/log/pods path as resource attributes.
// Hot path: fields are split with indexOf, timestamps parsed without regex,
// path metadata cached per path (one shared resource object per file).
import { z } from 'zod';
import { byteSize, duration } from '../../config/schema-types.js';
import { type Entry, ownResource } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { type Field, getField, parseField, setField } from '../field.js';
import { type BaseConfig, type BuildContext, baseKeys, type OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';
import { parseRfc3339Nano } from '../rfc3339.js';

const schema = z
  .strictObject({
    ...parserKeys,
    type: z.literal('container'),
    format: z.enum(['docker', 'crio', 'containerd']).optional(),
    add_metadata_from_file_path: z.boolean().optional(),
    add_metadata_from_filepath: z.boolean().optional(),
    max_log_size: byteSize().default(0),
    recombine: z
      .strictObject({
        max_batch_size: z.number().int().min(0).default(1000),
        max_unmatched_batch_size: z.number().int().min(0).default(100),
        force_flush_period: duration()
          .default(5000)
          .refine((ms) => ms > 0, { message: 'container: recombine.force_flush_period must be positive' }),
      })
      .prefault({}),
    cache: z.strictObject({ size: z.number().int().min(1).default(128) }).optional(),
  })
  .transform((c) => ({
    ...c,
    add_metadata: c.add_metadata_from_file_path ?? c.add_metadata_from_filepath ?? true,
  }));
type ContainerConfig = z.output<typeof schema>;

/** /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, optionally rotated (.log.20250219-233547[.gz]). */
const PATH_RE =
  /^.*[/\\](?<ns>[^_/\\]+)_(?<pod>[^_/\\]+)_(?<uid>[a-f0-9-]+)[/\\](?<container>[^._/\\]+)[/\\](?<restart>\d+)\.log(?:\.\d{8}-\d{6}(?:\.gz)?)?$/;

export function parsePodPath(path: string): Record<string, string> | undefined {
  const m = PATH_RE.exec(path);
  if (!m?.groups) return undefined;
  const g = m.groups;
  return {
    'k8s.namespace.name': g.ns,
    'k8s.pod.name': g.pod,
    'k8s.pod.uid': g.uid,
    'k8s.container.name': g.container,
    'k8s.container.restart_count': g.restart,
  };
}

export interface CriFields {
  time: string;
  stream: string;
  logtag: string;
  log: string;
}

/** Splits `<time> <stdout|stderr> <tag> <log>`; undefined if malformed. */
export function splitCri(raw: string): CriFields | undefined {
  const a = raw.indexOf(' ');
  if (a <= 0) return undefined;
  const b = raw.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  // the literals, not slices: one string object per stream for every line (no allocation, hash cached)
  const stream =
    b - a === 7 && raw.startsWith('stdout', a + 1)
      ? 'stdout'
      : b - a === 7 && raw.startsWith('stderr', a + 1)
        ? 'stderr'
        : undefined;
  if (stream === undefined) return undefined;
  const c = raw.indexOf(' ', b + 1);
  let tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
  const colon = tag.indexOf(':');
  if (colon >= 0) tag = tag.slice(0, colon);
  let i = c < 0 ? raw.length : c + 1;
  while (raw.charCodeAt(i) === 32) i++;
  return { time: raw.slice(0, a), stream, logtag: tag, log: raw.slice(i) };
}

/**
 * The fields of a Docker json-file line whose end was cut off (max_log_size):
 * the `log` string up to the cut, and `stream`/`time` if they precede it.
 * It is treated as a complete line (the rest was dropped by the reader).
 */
export function lenientDocker(raw: string): { log: string; stream?: string; time?: string } | undefined {
  const i = raw.indexOf('"log":"');
  if (i < 0) return undefined;
  let j = i + 7;
  let esc = false;
  for (; j < raw.length; j++) {
    const c = raw.charCodeAt(j);
    if (esc) esc = false;
    else if (c === 92) esc = true;
    else if (c === 34) return undefined; // a complete string: the line is broken elsewhere
  }
  let body = raw.slice(i + 7);
  body = body.replace(/\\(u[0-9a-fA-F]{0,3})?$/, ''); // a cut escape sequence
  let log: string;
  try {
    log = JSON.parse(`"${body}"`);
  } catch {
    return undefined;
  }
  const head = raw.slice(0, i);
  const stream = /"stream":"(stdout|stderr)"/.exec(head)?.[1];
  const time = /"time":"([^"]+)"/.exec(head)?.[1];
  return { log: `${log}\n`, stream, time };
}

interface Head {
  timestamp: bigint;
  stream: string;
  logtag: string | undefined;
  key: string;
}

interface Group {
  first: Entry;
  /** The first fragment from each other source (a line that spans a file rotation): held too. */
  others?: Entry[];
  parts: string[];
  /** UTF-8 bytes of the joined text. */
  size: number;
  since: number;
}

const LOG_PATH: Field = { root: 'attributes', keys: ['log.file.path'], text: 'attributes["log.file.path"]' };

class ContainerParser extends ParserOperator {
  private readonly fmt: ContainerConfig['format'];
  private readonly addMeta: boolean;
  private readonly maxLogSize: number;
  private readonly maxBatch: number;
  private readonly maxUnmatched: number;
  private readonly flushMs: number;
  private readonly toAttrs: boolean;
  private readonly groups = new Map<string, Group>();
  private readonly pathCache = new Map<string, Record<string, unknown> | null>();
  /** Per file: the header of its last line, for the pieces of a line its input split (Entry.continued). */
  private readonly heads = new Map<string, Head>();
  private readonly cacheSize: number;

  constructor(cfg: ContainerConfig, ctx: BuildContext) {
    super(cfg as ParserConfig, ctx);
    this.fmt = cfg.format;
    this.addMeta = cfg.add_metadata;
    this.maxLogSize = cfg.max_log_size;
    this.maxBatch = cfg.recombine.max_batch_size;
    this.maxUnmatched = cfg.recombine.max_unmatched_batch_size;
    this.flushMs = cfg.recombine.force_flush_period;
    this.toAttrs = cfg.parse_to === 'attributes';
    this.cacheSize = Math.max(cfg.cache?.size ?? 128, 1024);
  }

  protected parseValue(): unknown {
    return undefined;
  }

  override process(e: Entry): void {
    if (this.cond !== undefined && !this.cond(e)) {
      this.emit(e);
      return;
    }
    let out: Entry | undefined;
    try {
      out = this.handle(e);
      if (out) this.after(out);
    } catch (err) {
      // a line of no known format ends the fragments pending for its file (as Fluent Bit does)
      this.flushSource(e.attributes['log.file.path']);
      this.fail(e, err);
      return;
    }
    if (out) this.emit(out);
  }

  /** Target fields of parse_to other than attributes, parsed once per key (not per line). */
  private readonly putFields = new Map<string, Field>();

  private put(e: Entry, key: string, v: string): void {
    if (this.toAttrs) {
      e.attributes[key] = v;
      return;
    }
    let f = this.putFields.get(key);
    if (f === undefined) {
      f = parseField(`${this.to.text}["${key}"]`);
      this.putFields.set(key, f);
    }
    setField(e, f, v);
  }

  /** Parses one line; returns the entry to emit now, or undefined while a partial line is held. */
  private handle(e: Entry): Entry | undefined {
    const raw = getField(e, this.from);
    if (typeof raw !== 'string') throw new EntryError(`container: ${this.from.text} is not a string`);
    let path: string | undefined;
    if (this.addMeta) {
      const p = e.attributes['log.file.path'] ?? getField(e, LOG_PATH);
      if (typeof p !== 'string')
        throw new EntryError(
          `operator '${this.id}' has 'add_metadata_from_filepath' enabled, but the log record attribute 'log.file.path' is missing. Perhaps enable the 'include_file_path' option?`,
        );
      path = p;
    }
    if (e.continued) return this.continuation(e, raw, path);
    const docker = this.fmt === 'docker' || (this.fmt === undefined && raw.charCodeAt(0) === 123);
    let log: string;
    let stream: string;
    let partial: boolean;
    if (docker) {
      let o: { log?: unknown; stream?: unknown; time?: unknown };
      try {
        o = JSON.parse(raw);
      } catch {
        // a line cut by the receiver's max_log_size is not valid JSON any more: keep its log text
        const lenient = lenientDocker(raw);
        if (!lenient) throw new EntryError('container: invalid docker json-file line');
        o = lenient;
      }
      if (typeof o !== 'object' || o === null || typeof o.log !== 'string')
        throw new EntryError('container: docker line without a "log" string');
      if (o.time !== undefined) {
        const ts = typeof o.time === 'string' ? parseRfc3339Nano(o.time) : undefined;
        if (ts === undefined)
          throw new EntryError(`container: invalid docker time ${JSON.stringify(o.time)}`);
        e.timestamp = ts;
      }
      stream = typeof o.stream === 'string' ? o.stream : 'stdout';
      const l = o.log;
      partial = l.length > 0 && l.charCodeAt(l.length - 1) !== 10;
      log = partial ? l : l.length > 0 ? l.slice(0, -1) : l;
      this.put(e, 'log.iostream', stream);
    } else {
      const f = splitCri(raw);
      if (!f)
        throw new EntryError(
          'container: failed to detect a valid container log format (docker, crio, containerd)',
        );
      const z = f.time.charCodeAt(f.time.length - 1) === 90;
      if (this.fmt === 'containerd' && !z)
        throw new EntryError('container: containerd timestamps must end in Z');
      const ts = parseRfc3339Nano(f.time);
      if (ts === undefined) throw new EntryError(`container: invalid timestamp "${f.time}"`);
      e.timestamp = ts;
      stream = f.stream;
      log = f.log;
      partial = f.logtag === 'P';
      this.put(e, 'log.iostream', stream);
      this.put(e, 'logtag', f.logtag);
    }
    if (path !== undefined) this.addMetadata(e, path);

    // partial groups are per file, stream and format (Docker and CRI fragments never mix)
    const key = this.groupKey(path, stream, docker);
    const logtag = docker ? undefined : partial ? 'P' : 'F';
    const head = this.heads.get(path ?? '');
    if (head !== undefined) {
      // updated in place: one object per file, not one per line
      head.timestamp = e.timestamp;
      head.stream = stream;
      head.logtag = logtag;
      head.key = key;
    } else {
      if (this.heads.size >= this.cacheSize) this.heads.clear();
      this.heads.set(path ?? '', { timestamp: e.timestamp, stream, logtag, key });
    }
    let g = this.groups.get(key);
    if (partial) {
      const bytes = Buffer.byteLength(log);
      if (!g) {
        e.body = undefined;
        g = { first: e, parts: [log], size: bytes, since: Date.now() };
        this.groups.set(key, g);
      } else {
        g.parts.push(log);
        g.size += bytes;
        holdSource(g, e);
      }
      if (this.full(g)) {
        this.groups.delete(key);
        return this.finish(g);
      }
      return undefined;
    }
    if (g) {
      this.groups.delete(key);
      g.parts.push(log);
      return this.finish(g);
    }
    e.body = log;
    return e;
  }

  /**
   * A piece of a line longer than the receiver's max_log_size, without a
   * header of its own: its text is content of the line whose header came
   * last from the same file. It joins that line's partial group if one is
   * held (CRI `P`), otherwise it becomes a record of its own with that
   * line's time and stream (after a restart in the middle of such a line,
   * only the text and the path metadata).
   */
  private continuation(e: Entry, raw: string, path: string | undefined): Entry | undefined {
    if (path !== undefined) this.addMetadata(e, path);
    const h = this.heads.get(path ?? '');
    if (h) {
      const g = this.groups.get(h.key);
      if (g) {
        g.parts.push(raw);
        g.size += Buffer.byteLength(raw);
        if (this.full(g)) {
          this.groups.delete(h.key);
          return this.finish(g);
        }
        return undefined;
      }
      e.timestamp = h.timestamp;
      this.put(e, 'log.iostream', h.stream);
      if (h.logtag !== undefined) this.put(e, 'logtag', h.logtag);
    }
    e.body = raw;
    return e;
  }

  /**
   * As the collector's internal recombine (is_last_entry: logtag == 'F'): fragments before
   * the final one are "unmatched", so a run of them is released at max_unmatched_batch_size
   * (default 100) or max_batch_size entries, or once it exceeds max_log_size bytes.
   */
  private full(g: Group): boolean {
    const n = g.parts.length;
    return (
      (this.maxLogSize > 0 && g.size > this.maxLogSize) ||
      (this.maxBatch > 0 && n >= this.maxBatch) ||
      (this.maxUnmatched > 0 && n >= this.maxUnmatched)
    );
  }

  private finish(g: Group): Entry {
    g.first.body = g.parts.length === 1 ? g.parts[0] : g.parts.join('');
    return g.first;
  }

  /** Per format, file and stream: the group key, built once (not a new string per line). */
  private readonly keys = [new Map<string, Map<string, string>>(), new Map<string, Map<string, string>>()];

  private groupKey(path: string | undefined, stream: string, docker: boolean): string {
    if (path === undefined) return `${stream}${docker ? 'd' : 'c'}`;
    const byPath = this.keys[docker ? 1 : 0];
    let m = byPath.get(path);
    if (m === undefined) {
      if (byPath.size >= this.cacheSize) byPath.clear();
      m = new Map();
      byPath.set(path, m);
    }
    let k = m.get(stream);
    if (k === undefined) {
      k = `${path}\u0000${stream}${docker ? 'd' : 'c'}`;
      m.set(stream, k);
    }
    return k;
  }

  private addMetadata(e: Entry, path: string): void {
    let meta = this.pathCache.get(path);
    if (meta === undefined) {
      meta = parsePodPath(path) ?? null;
      if (this.pathCache.size >= this.cacheSize) this.pathCache.clear();
      this.pathCache.set(path, meta);
    }
    if (meta === null) throw new EntryError(`container: cannot read pod metadata from path "${path}"`);
    if (e.resourceShared && isEmpty(e.resource)) e.resource = meta;
    else Object.assign(ownResource(e), meta);
  }

  private flushSource(path: unknown): void {
    if (this.groups.size === 0) return;
    const prefix = typeof path === 'string' && this.addMeta ? `${path}\u0000` : undefined;
    for (const [key, g] of this.groups) {
      if (prefix !== undefined ? !key.startsWith(prefix) : key.includes('\u0000')) continue;
      this.groups.delete(key);
      this.release(g);
    }
  }

  private release(g: Group): void {
    const e = this.finish(g);
    try {
      this.after(e);
    } catch (err) {
      this.fail(e, err);
      return;
    }
    this.emit(e);
  }

  override flush(now: number, force: boolean): void {
    for (const [key, g] of this.groups) {
      if (force || now - g.since >= this.flushMs) {
        this.groups.delete(key);
        this.release(g);
      }
    }
  }

  override held(visit: (e: Entry) => void): void {
    for (const g of this.groups.values()) {
      visit(g.first);
      if (g.others) for (const o of g.others) visit(o);
    }
  }
}

function holdSource(g: Group, e: Entry): void {
  if (e.src === g.first.src) return;
  if (g.others?.some((o) => o.src === e.src)) return;
  if (g.others) g.others.push(e);
  else g.others = [e];
}

export const containerOperator: OperatorDef<ContainerConfig & BaseConfig> = {
  type: 'container',
  schema: refineParserKeys(schema) as unknown as z.ZodType<ContainerConfig & BaseConfig>,
  build: (cfg, ctx) => new ContainerParser(cfg, ctx),
};

export { baseKeys };

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}
