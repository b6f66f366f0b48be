// Component and pipeline IDs: `type[/name]`.
import { SIGNALS, type Signal } from '../pdata/signal.js';

export interface ComponentId {
  type: string;
  name?: string;
}

const TYPE_RE = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;

/** Parses `type[/name]`; returns an error message instead when invalid. */
export function parseComponentId(id: string): ComponentId | string {
  const slash = id.indexOf('/');
  const type = (slash < 0 ? id : id.slice(0, slash)).trim();
  const name = slash < 0 ? undefined : id.slice(slash + 1).trim();
  if (type === '') return `invalid component ID "${id}": the type must not be empty`;
  if (!TYPE_RE.test(type))
    return `invalid component ID "${id}": the type must start with a letter and contain only letters, digits and '_'`;
  if (name !== undefined && name === '')
    return `invalid component ID "${id}": the name after '/' must not be empty`;
  return name === undefined ? { type } : { type, name };
}

export function parsePipelineId(id: string): { signal: Signal; name?: string } | string {
  const parsed = parseComponentId(id);
  if (typeof parsed === 'string') return parsed.replace('component ID', 'pipeline ID');
  if (!(SIGNALS as readonly string[]).includes(parsed.type))
    return `unknown pipeline type "${parsed.type}" (expected one of ${SIGNALS.join(', ')})`;
  return { signal: parsed.type as Signal, name: parsed.name };
}
