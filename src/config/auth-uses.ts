// validate's check of every `auth: { authenticator }`: it must name a
// configured extension that is listed in service::extensions and that
// authenticates the right side (servers for receivers, clients for exporters).
import type { AuthenticatorRole } from '../component/auth.js';
import type { AnyFactory, ExtensionFactory } from '../component/component.js';
import { authenticatorUses } from './auth.js';
import type { ComponentEntry } from './component-entry.js';
import { type ConfigIssue, didYouMean, joinPath } from './issues.js';

export function checkAuthenticatorUses(
  receivers: ReadonlyMap<string, ComponentEntry<AnyFactory>>,
  exporters: ReadonlyMap<string, ComponentEntry<AnyFactory>>,
  extensions: { ids: ReadonlySet<string>; entries: ReadonlyMap<string, ComponentEntry<ExtensionFactory>> },
  serviceExtensions: readonly string[],
  errors: ConfigIssue[],
): void {
  const sections = [
    ['receivers', receivers, 'server'],
    ['exporters', exporters, 'client'],
  ] as const;
  for (const [section, entries, role] of sections)
    for (const [id, entry] of entries)
      for (const use of authenticatorUses(entry.config)) {
        const path = joinPath(section, id, ...use.path);
        const problem = authenticatorProblem(use.authenticator, role, extensions, serviceExtensions);
        if (problem) errors.push({ path, message: problem });
      }
}

function authenticatorProblem(
  name: string,
  role: AuthenticatorRole,
  extensions: { ids: ReadonlySet<string>; entries: ReadonlyMap<string, ComponentEntry<ExtensionFactory>> },
  serviceExtensions: readonly string[],
): string | undefined {
  if (!extensions.ids.has(name))
    return `authenticator "${name}" is not a configured extension${didYouMean(name, extensions.ids)}`;
  const entry = extensions.entries.get(name);
  if (!entry) return undefined; // its own config is invalid: reported where it is
  const roles = entry.factory.authenticatorRoles?.(entry.config) ?? [];
  if (roles.length === 0) return `extension "${name}" (${entry.factory.type}) is not an authenticator`;
  if (!roles.includes(role)) {
    const where = role === 'server' ? 'a receiver' : 'an exporter';
    return `extension "${name}" is a ${roles.join('/')} authenticator and cannot authenticate ${where} (it needs a ${role} authenticator)`;
  }
  if (!serviceExtensions.includes(name))
    return `authenticator "${name}" is not enabled: add it to service::extensions`;
  return undefined;
}
