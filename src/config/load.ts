// From `--config` values to a validated ServiceConfig: read and merge the
// sources, expand `${env:...}`, validate against the registry.
import type { Registry } from '../component/component.js';
import { expandEnv } from './expand.js';
import { ConfigError } from './issues.js';
import { loadSources } from './sources.js';
import { type ValidationResult, validateConfig } from './validate.js';

export function loadConfig(
  uris: readonly string[],
  registry: Registry,
  env: NodeJS.ProcessEnv = process.env,
): ValidationResult {
  let raw: Record<string, unknown>;
  try {
    raw = loadSources(uris, env);
  } catch (e) {
    if (e instanceof ConfigError) return { errors: e.issues, warnings: [] };
    throw e;
  }
  const expanded = expandEnv(raw, env);
  const result = validateConfig(expanded.value, registry, { typedFromEnv: expanded.typedFromEnv });
  const errors = [...expanded.issues, ...result.errors];
  return {
    errors,
    warnings: [...expanded.warnings, ...result.warnings],
    config: errors.length ? undefined : result.config,
  };
}
