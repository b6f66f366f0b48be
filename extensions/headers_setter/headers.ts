// Each configured header: where its value comes from (a fixed value, the
// request's client metadata, its auth attributes) and what to do with it.
// Semantics of the collector's internal/source and internal/action packages.
import type { AuthData } from '../../src/component/auth.js';
import type { RequestContext } from '../../src/component/consumer.js';
import type { HeaderConfig } from './config.js';

export class HeaderSourceError extends Error {}

export interface HeaderRule {
  /** Lower-case header name. */
  key: string;
  action: 'insert' | 'update' | 'upsert' | 'delete';
  value(ctx: RequestContext | undefined): string;
}

function authAttribute(auth: AuthData | undefined, name: string): string[] | undefined {
  const v = auth?.[name];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function single(values: readonly string[] | undefined, def: string, key: string): string {
  if (!values || values.length === 0) return def;
  if (values.length > 1)
    throw new HeaderSourceError(
      `${values.length} source keys found in the context for "${key}", can't determine which one to use`,
    );
  return values[0];
}

export function headerRule(h: HeaderConfig): HeaderRule {
  const key = (h.key ?? '').toLowerCase();
  const action = h.action ?? 'upsert';
  const def = h.default_value ?? '';
  if (h.value !== undefined) {
    const fixed = h.value;
    return { key, action, value: () => fixed };
  }
  if (h.from_context !== undefined) {
    const name = h.from_context;
    const lower = name.toLowerCase();
    const authName = name.startsWith('auth.') ? name.slice(5) : undefined;
    return {
      key,
      action,
      value: (ctx) => {
        // Client metadata keys are case-insensitive (lower-case here); `auth.<attr>` reads the auth data.
        const values =
          (authName !== undefined ? authAttribute(ctx?.auth, authName) : undefined) ?? ctx?.metadata?.[lower];
        return single(values, def, name);
      },
    };
  }
  if (h.from_attribute !== undefined) {
    const name = h.from_attribute;
    return {
      key,
      action,
      value: (ctx) => {
        const v = ctx?.auth?.[name];
        if (v === undefined || v === null) return def;
        return typeof v === 'string' ? v : JSON.stringify(v);
      },
    };
  }
  return { key, action, value: () => '' }; // delete: no source
}

/** Applies one rule to lower-case-keyed headers (Go's http.Header semantics: "" counts as absent). */
export function applyRule(
  rule: HeaderRule,
  headers: Record<string, string>,
  ctx: RequestContext | undefined,
): void {
  if (rule.action === 'delete') {
    delete headers[rule.key];
    return;
  }
  const value = rule.value(ctx);
  const present = (headers[rule.key] ?? '') !== '';
  if (
    rule.action === 'upsert' ||
    (rule.action === 'insert' && !present) ||
    (rule.action === 'update' && present)
  )
    headers[rule.key] = value;
}
