// Config of the `host_metrics` receiver (deprecated name `hostmetrics`;
// contrib receiver/hostmetricsreceiver): the scraper controller's keys
// (collection_interval, initial_delay, timeout), root_path, and one block per
// scraper with its own keys and its `metrics:` switches.
import { z } from 'zod';
import { duration } from '../../src/config/schema-types.js';
import { goRegExp, regexpError } from '../../src/regexp/go.js';
import {
  type MetricDef,
  OTHER_SCRAPERS,
  PROCESS_RESOURCE_ATTRIBUTES,
  SCRAPER_METRICS,
  type ScraperName,
} from './metadata.js';

/** `key:` with no value is YAML null: treat it as an empty map so defaults apply. */
const orEmpty = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === null ? {} : v), s);

/** A scraper's `metrics:` block: only that scraper's metric names, each `{ enabled }`. */
function metricsSchema(scraper: ScraperName) {
  const defs = SCRAPER_METRICS[scraper] as Record<string, MetricDef>;
  const shape = Object.fromEntries(
    Object.entries(defs).map(([name, def]) => [
      name,
      orEmpty(
        z.strictObject({
          enabled: z
            .boolean()
            .default(def.enabled)
            .refine((on) => !(on && def.unsupported), {
              message: `${name} is not produced by tsunagi yet`,
            }),
        }),
      ).optional(),
    ]),
  );
  return orEmpty(z.strictObject(shape))
    .default({})
    .transform((m) => {
      const enabled = new Set<string>();
      for (const [name, def] of Object.entries(defs)) {
        const on = (m as Record<string, { enabled: boolean } | undefined>)[name]?.enabled ?? def.enabled;
        if (on) enabled.add(name);
      }
      return enabled;
    });
}

export interface NameFilter {
  names: string[];
  matchType: 'strict' | 'regexp';
  regexps: RegExp[];
}

/**
 * filterset.Config: a list of names and how to match them. As in the collector's scrapers, an
 * empty list is no filter at all (`include:` alone is fine), and a non-empty one needs
 * match_type (filterset.CreateFilterSet refuses "").
 */
const filter = (listKey: string) =>
  orEmpty(
    z.strictObject({
      [listKey]: z.array(z.string()).default([]),
      match_type: z.enum(['strict', 'regexp']).optional(),
    }),
  )
    .superRefine((f, ctx) => {
      const names = f[listKey] as string[];
      if (names.length === 0) return;
      if (f.match_type === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['match_type'],
          message: "unrecognized match_type: '', valid types are: [regexp strict]",
        });
      else if (f.match_type === 'regexp')
        for (const r of names) {
          const e = regexpError(r);
          if (e) ctx.addIssue({ code: 'custom', message: e });
        }
    })
    .transform((f): NameFilter | undefined => {
      const names = f[listKey] as string[];
      if (names.length === 0) return undefined;
      const matchType = f.match_type as 'strict' | 'regexp';
      return { names, matchType, regexps: matchType === 'regexp' ? names.map((r) => goRegExp(r)) : [] };
    })
    .optional();

/** Whether `name` matches the filter (regexp: unanchored, as Go's MatchString). */
export function filterMatches(f: NameFilter, name: string): boolean {
  return f.matchType === 'strict' ? f.names.includes(name) : f.regexps.some((r) => r.test(name));
}

const scraperSchemas = {
  // a scraper runs when its key is present (`cpu:` with no value: its defaults)
  cpu: orEmpty(z.strictObject({ metrics: metricsSchema('cpu') })),
  memory: orEmpty(z.strictObject({ metrics: metricsSchema('memory') })),
  load: orEmpty(z.strictObject({ cpu_average: z.boolean().default(false), metrics: metricsSchema('load') })),
  disk: orEmpty(
    z.strictObject({
      include: filter('devices'),
      exclude: filter('devices'),
      metrics: metricsSchema('disk'),
    }),
  ),
  filesystem: orEmpty(
    z.strictObject({
      include_devices: filter('devices'),
      exclude_devices: filter('devices'),
      include_fs_types: filter('fs_types'),
      exclude_fs_types: filter('fs_types'),
      include_mount_points: filter('mount_points'),
      exclude_mount_points: filter('mount_points'),
      include_virtual_filesystems: z.boolean().default(false),
      metrics: metricsSchema('filesystem'),
    }),
  ),
  network: orEmpty(
    z.strictObject({
      include: filter('interfaces'),
      exclude: filter('interfaces'),
      metrics: metricsSchema('network'),
    }),
  ),
  paging: orEmpty(z.strictObject({ metrics: metricsSchema('paging') })),
  processes: orEmpty(z.strictObject({ metrics: metricsSchema('processes') })),
  system: orEmpty(z.strictObject({ metrics: metricsSchema('system') })),
  process: orEmpty(
    z.strictObject({
      include: filter('names'),
      exclude: filter('names'),
      mute_process_all_errors: z.boolean().default(false),
      mute_process_name_error: z.boolean().default(false),
      mute_process_exe_error: z.boolean().default(false),
      mute_process_io_error: z.boolean().default(false),
      mute_process_user_error: z.boolean().default(false),
      mute_process_cgroup_error: z.boolean().default(false),
      scrape_process_delay: duration().default(0),
      resource_attributes: orEmpty(
        z.strictObject(
          Object.fromEntries(
            Object.entries(PROCESS_RESOURCE_ATTRIBUTES).map(([k, on]) => [
              k,
              orEmpty(z.strictObject({ enabled: z.boolean().default(on) })).optional(),
            ]),
          ),
        ),
      )
        .default({})
        .transform((m) => {
          const enabled = new Set<string>();
          for (const [k, on] of Object.entries(PROCESS_RESOURCE_ATTRIBUTES))
            if ((m as Record<string, { enabled: boolean } | undefined>)[k]?.enabled ?? on) enabled.add(k);
          return enabled;
        }),
      metrics: metricsSchema('process'),
    }),
  ),
};

const optionalScrapers = Object.fromEntries(
  Object.entries(scraperSchemas).map(([k, v]) => [k, v.optional()]),
) as { [K in keyof typeof scraperSchemas]: z.ZodOptional<(typeof scraperSchemas)[K]> };

const otherScrapers = Object.fromEntries(
  OTHER_SCRAPERS.map((s) => [
    s,
    z
      .unknown()
      .optional()
      .superRefine((_v, ctx) =>
        ctx.addIssue({
          code: 'custom',
          message: `the ${s} scraper is not supported by tsunagi's host_metrics receiver`,
        }),
      ),
  ]),
);

export const configSchema = orEmpty(
  z.strictObject({
    collection_interval: duration()
      .default(60_000)
      .refine((ms) => ms > 0, { message: 'collection_interval must be a positive duration' }),
    initial_delay: duration().default(1000),
    timeout: duration().default(0),
    root_path: z.string().default(''),
    /** Interval of the entity events the collector sends on logs pipelines; no effect here (metrics only). */
    metadata_collection_interval: duration().default(300_000),
    scrapers: z.strictObject({ ...optionalScrapers, ...otherScrapers }).optional(),
  }),
).superRefine((c, ctx) => {
  // the collector's Validate: "must specify at least one scraper"
  if (!c.scrapers || Object.values(c.scrapers).every((v) => v === undefined))
    ctx.addIssue({ code: 'custom', path: ['scrapers'], message: 'must specify at least one scraper' });
});

export type HostMetricsConfig = z.output<typeof configSchema>;
export type ScrapersConfig = NonNullable<HostMetricsConfig['scrapers']>;
