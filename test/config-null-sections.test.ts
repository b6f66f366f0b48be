// The collector's rule "a key with no value is that section with its
// defaults", checked for EVERY schema in the registry (and every stanza
// operator): for each nested section key, `key:` with no value (YAML null)
// must validate and give the same config as the section's defaults. A
// component added later is covered without touching this file.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { registry } from '../app/registry.js';
import type { AnyFactory } from '../src/component/component.js';
import { absentWhenNull, normalizeNulls } from '../src/config/null-values.js';
import { parseComponentConfig } from '../src/config/validate.js';
import { OPERATORS } from '../src/stanza/registry.js';

type Def = { type: string; [k: string]: any };
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } })?._zod?.def;

/** Wrapper facts on the way down to the shape: optional? defaulted? marked "absent when null"? */
function inspect(schema: unknown): {
  shape?: Def;
  optional: boolean;
  defaulted: boolean;
  keepsNull: boolean;
} {
  let s = schema;
  const r = { optional: false, defaulted: false, keepsNull: false, shape: undefined as Def | undefined };
  for (let i = 0; i < 50; i++) {
    const d = defOf(s);
    if (!d) return r;
    if (d.type === 'optional') r.optional = true;
    else if (d.type === 'default' || d.type === 'prefault') r.defaulted = true;
    else if (d.type === 'nullable' || d.type === 'any' || d.type === 'unknown') r.keepsNull = true;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type))
      s = d.innerType;
    else if (d.type === 'pipe') s = defOf(d.in)?.type === 'transform' ? d.out : d.in;
    else if (d.type === 'lazy') s = d.getter();
    else {
      if (d.type === 'object') r.shape = d;
      else if (d.type === 'union') r.shape = d.options.map((o: unknown) => inspect(o).shape).find(Boolean);
      return r;
    }
  }
  return r;
}

/** Every path to a nested section (an object-valued key), depth-first. */
function sectionPaths(schema: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  const shape = inspect(schema).shape;
  if (!shape || prefix.length > 6) return out;
  for (const [k, child] of Object.entries(shape.shape as Record<string, unknown>)) {
    if (!inspect(child).shape) continue;
    out.push([...prefix, k]);
    sectionPaths(child, [...prefix, k], out);
  }
  return out;
}

function childAt(schema: unknown, path: string[]): unknown {
  let s = schema;
  for (const k of path) s = inspect(s).shape?.shape[k];
  return s;
}

const STRING_CANDIDATES = ['localhost:4317', 'http://localhost:4318', '/tmp/tsunagi-null-test', 'x'];

/**
 * A config the schema accepts, or as close as required keys allow: missing
 * required keys are filled with a value of the expected type.
 */
function minimalConfig(schema: z.ZodType, base: Record<string, unknown>): Record<string, unknown> {
  let cfg = structuredClone(base);
  for (let round = 0; round < 30; round++) {
    const r = schema.safeParse(normalizeNulls(schema, cfg));
    if (r.success) return cfg;
    const missing = r.error.issues.find(
      (i) => i.code === 'invalid_type' && getAt(cfg, i.path as string[]) === undefined,
    ) as (z.core.$ZodIssueInvalidType & { path: string[] }) | undefined;
    if (!missing) return cfg;
    const fill: Record<string, unknown[]> = {
      string: STRING_CANDIDATES,
      number: [1],
      boolean: [false],
      array: [[]],
      object: [{}],
      record: [{}],
    };
    const candidates = fill[missing.expected] ?? [{}];
    let chosen = candidates[candidates.length - 1];
    for (const c of candidates) {
      const tryCfg = setAt(cfg, missing.path, c);
      const t = schema.safeParse(normalizeNulls(schema, tryCfg));
      const stillBad = !t.success && t.error.issues.some((i) => i.path.join('.') === missing.path.join('.'));
      if (!stillBad) {
        chosen = c;
        break;
      }
    }
    cfg = setAt(cfg, missing.path, chosen);
  }
  return cfg;
}

function getAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let x = v;
  for (const p of path) x = x !== null && typeof x === 'object' ? (x as any)[p] : undefined;
  return x;
}

/** A copy with `value` at `path` (parents created as maps); `undefined` deletes the key. */
function setAt(root: Record<string, unknown>, path: readonly PropertyKey[], value: unknown) {
  const copy = structuredClone(root);
  let m: any = copy;
  for (const p of path.slice(0, -1)) {
    if (m[p] === null || typeof m[p] !== 'object') m[p] = {};
    m = m[p];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete m[last];
  else m[last] = value;
  return copy;
}

/** What the component gets: the config layer's parse (null rule included), as data or `path: message` lines. */
function outcome(
  schema: z.ZodType,
  cfg: unknown,
  factory?: AnyFactory,
): { config?: unknown; issues?: string[] } {
  if (factory) {
    const r = parseComponentConfig(factory, cfg, 'x');
    return r.ok ? { config: r.config } : { issues: r.issues.map((i) => `${i.path}: ${i.message}`) };
  }
  const r = schema.safeParse(normalizeNulls(schema, cfg));
  return r.success
    ? { config: r.data }
    : { issues: r.error.issues.map((i) => `${['x', ...i.path].join('::')}: ${i.message}`) };
}

/**
 * Sections the collector turns on when the key is present (with no value too) and then refuses
 * for a required key that has no default: the issue that `key:` alone must give, and nothing else.
 * The syslog receiver sets `tcp`/`udp` when IsSet (syslogreceiver Unmarshal); listen_address is required.
 * The prometheus receiver's Validate refuses a `config` without scrape_configs, hostmetrics' an empty
 * `scrapers` map, whatever way they were written.
 */
const REQUIRED_INSIDE: Record<string, string[]> = {
  'receiver prometheus config': ['x::config: no Prometheus scrape_configs or target_allocator set'],
  'receiver host_metrics scrapers': ['x::scrapers: must specify at least one scraper'],
  'receiver syslog tcp': ['x::tcp::listen_address: required key is missing (expected string)'],
  'receiver syslog udp': ['x::udp::listen_address: required key is missing (expected string)'],
  // The collector refuses a server basicauth with neither (errNoCredentialSource at creation).
  'extension basicauth htpasswd': ['x::htpasswd: no credential source provided: set file or inline'],
};

interface Subject {
  name: string;
  schema: z.ZodType;
  factory?: AnyFactory;
  base: Record<string, unknown>;
}

const subjects: Subject[] = [
  ...Object.values(registry)
    .flat()
    .map((f: AnyFactory) => ({ name: `${f.kind} ${f.type}`, schema: f.configSchema, factory: f, base: {} })),
  ...[...OPERATORS.values()].map((d) => ({
    name: `stanza operator ${d.type}`,
    schema: d.schema as z.ZodType,
    base: { type: d.type },
  })),
];

describe('a key with no value is the section with its defaults', () => {
  it('finds sections to check (the walk reaches into the schemas)', () => {
    const total = subjects.reduce((n, s) => n + sectionPaths(s.schema).length, 0);
    // otlp alone has protocols, grpc, http, tls, keepalive, cors...; a walk that sees nothing is broken.
    expect(sectionPaths(registry.receivers.find((f) => f.type === 'otlp')!.configSchema)).toContainEqual([
      'protocols',
      'grpc',
      'keepalive',
    ]);
    expect(total).toBeGreaterThan(40);
  });

  for (const subject of subjects) {
    const paths = sectionPaths(subject.schema);
    if (paths.length === 0) continue;
    it(`${subject.name}: ${paths.map((p) => p.join('.')).join(', ')}`, () => {
      const base = minimalConfig(subject.schema, subject.base);
      for (const path of paths) {
        const where = `${subject.name} ${path.join('::')}`;
        const withNull = setAt(base, path, null);
        const got = outcome(subject.schema, withNull, subject.factory);
        const child = inspect(childAt(subject.schema, path));
        const marked = isMarkedAbsent(childAt(subject.schema, path));
        // The section with its defaults: turned on ({}) when it is optional, its default when it
        // has one, not configured when the schema marks it so (absentWhenNull, a nil pointer).
        const expected = marked || child.defaulted ? undefined : {};
        expect(got, where).toEqual(outcome(subject.schema, setAt(base, path, expected), subject.factory));
        // A section that `key:` turns on must be valid with its defaults alone: one that needs keys
        // (a server's tls needs a certificate) is a nil pointer in the collector: absentWhenNull.
        if (expected !== undefined) {
          const at = `x::${path.join('::')}`;
          expect(
            (got.issues ?? []).filter(
              (i) =>
                i.startsWith(`${at}:`) && !REQUIRED_INSIDE[`${subject.name} ${path.join('::')}`]?.includes(i),
            ),
            where,
          ).toEqual([]);
        }
      }
    });
  }
});

/** Whether null at this schema means "not configured" (the None flavor). */
function isMarkedAbsent(schema: unknown): boolean {
  // normalizeNulls drops a marked key; an unmarked optional section becomes {}.
  const probe = z.strictObject({ k: schema as z.ZodType });
  return !('k' in (normalizeNulls(probe, { k: null }) as object)) && !inspect(schema).defaulted;
}

describe('the null rule itself', () => {
  const schema = z.strictObject({
    queue: z
      .strictObject({
        size: z.number().default(10),
        batch: z.strictObject({ min: z.number().default(5) }).optional(),
      })
      .prefault({}),
    tls: absentWhenNull(z.strictObject({ cert: z.string() }).optional()),
    endpoint: z.string().default('a:1'),
    list: z.array(z.string()).default(['d']),
    headers: z.record(z.string(), z.string()).optional(),
    nullable: z.string().nullable().optional(),
  });
  const parse = (yaml: string) => schema.parse(normalizeNulls(schema, parseYaml(yaml)));

  it('turns an optional section on with its defaults, keeps a defaulted one, drops a None-flavor one', () => {
    expect(parse('queue:\n  batch:\ntls:\nendpoint:\nlist:\nheaders:\nnullable:\n')).toEqual({
      queue: { size: 10, batch: { min: 5 } },
      endpoint: 'a:1',
      list: ['d'],
      nullable: null,
    });
    expect(parse('queue:\n')).toEqual({ queue: { size: 10 }, endpoint: 'a:1', list: ['d'] });
  });

  it('reaches through preprocess pipes, unions, arrays and records', () => {
    const nested = z.strictObject({
      pre: z.preprocess(
        (v) => v,
        z.strictObject({ a: z.strictObject({ b: z.number().default(1) }).optional() }),
      ),
      list: z.array(z.strictObject({ s: z.strictObject({ c: z.number().default(2) }).optional() })),
      map: z.record(z.string(), z.strictObject({ d: z.number().default(3) })),
      either: z.union([
        z.strictObject({ kind: z.literal('x'), x: z.strictObject({ e: z.number().default(4) }).optional() }),
        z.strictObject({ kind: z.literal('y'), y: z.strictObject({ f: z.number().default(5) }).optional() }),
      ]),
    });
    const v = normalizeNulls(
      nested,
      parseYaml('pre: {a: }\nlist: [{s: }]\nmap: {m: }\neither: {kind: y, y: }\n'),
    );
    expect(nested.parse(v)).toEqual({
      pre: { a: { b: 1 } },
      list: [{ s: { c: 2 } }],
      map: { m: { d: 3 } },
      either: { kind: 'y', y: { f: 5 } },
    });
  });

  it('never changes the input object', () => {
    const input = parseYaml('queue:\n  batch:\n');
    normalizeNulls(schema, input);
    expect(input).toEqual({ queue: { batch: null } });
  });
});
