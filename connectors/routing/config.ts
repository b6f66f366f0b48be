// Keys of the collector's routing connector (connector/routingconnector
// README, config.go, factory.go): `table` (required) of `context`, `statement`
// or `condition`, `pipelines`; `default_pipelines`; `error_mode` (default
// propagate: the connector.routing.defaultErrorModeIgnore gate is alpha, off).
// `match_once` was removed in v0.120.0 and is refused with the migration hint.
import { z } from 'zod';
import { errorModeSchema } from '../../src/ottl/config.js';
import type { ErrorMode } from '../../src/ottl/index.js';
import { compileRoute, ROUTE_CONTEXTS, RouteError } from './route.js';

const routeSchema = z.strictObject({
  context: z.enum(ROUTE_CONTEXTS, { error: (i) => `invalid context: ${String(i.input)}` }).optional(),
  statement: z.string().optional(),
  condition: z.string().optional(),
  pipelines: z.array(z.string()).default([]),
});

export const configSchema = z
  .strictObject({
    error_mode: errorModeSchema().default('propagate'),
    default_pipelines: z.array(z.string()).default([]),
    table: z.array(routeSchema).default([]),
    match_once: z.unknown().optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (c.match_once !== undefined)
      issue(
        ['match_once'],
        'match_once was removed from the routing connector (collector v0.120.0): every item goes to the first route that matches; see the routing connector README for how to migrate',
      );
    if (c.table.length === 0) issue(['table'], 'invalid routing table: the routing table is empty');
    c.table.forEach((r, i) => {
      if (!r.statement && !r.condition)
        issue(['table', i], 'invalid route: no condition or statement provided');
      else if (r.statement && r.condition)
        issue(['table', i], 'invalid route: both condition and statement provided');
      else
        try {
          compileRoute(r, c.error_mode as ErrorMode);
        } catch (err) {
          if (!(err instanceof RouteError)) throw err;
          issue(['table', i, err.key], err.message);
        }
      if (r.pipelines.length === 0) issue(['table', i, 'pipelines'], 'invalid route: no pipelines defined');
    });
  });

export type RoutingConfig = z.output<typeof configSchema>;
