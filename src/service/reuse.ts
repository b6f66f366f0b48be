// When a reload may keep a running component: the same factory and the same
// config as the user wrote it (after `${env:...}`), compared as data. A
// component parsed from identical YAML is identical; any edit rebuilds it.
import { isDeepStrictEqual } from 'node:util';
import type { ComponentEntry } from '../config/validate.js';

export function sameEntry(a: ComponentEntry | undefined, b: ComponentEntry | undefined): boolean {
  if (!a || !b || a.factory.kind !== b.factory.kind || a.factory.type !== b.factory.type) return false;
  // Configs built in code (tests) carry no raw map: compare what the schema made of them.
  if (a.raw === undefined && b.raw === undefined) return isDeepStrictEqual(a.config, b.config);
  return isDeepStrictEqual(a.raw, b.raw);
}
