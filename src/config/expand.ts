// `${env:NAME}` expansion in string values, after YAML parsing (as the
// collector's confmap does): keys are never expanded. Rules:
// - `${env:NAME}` / `${env:NAME:-default}` (default when unset, not when empty); an unset variable without a default
//   becomes '' (with a warning), like the collector.
// - bare `${NAME}` still expands from the environment, with a deprecation warning.
// - `$$` is a literal `$` (so `$${env:X}` stays `${env:X}` verbatim).
// - a value that is exactly one reference takes the YAML type of the variable's
//   content when that is a number or boolean (`port: ${env:PORT}` → 8888); the
//   original text is remembered so a string field still gets a string.
// Other `$` characters are left alone.
import { parse as parseYaml } from 'yaml';
import { type ConfigIssue, joinPath } from './issues.js';
import { YAML_OPTIONS } from './yaml.js';

export interface ExpandResult {
  value: unknown;
  issues: ConfigIssue[];
  warnings: string[];
  /** Paths (`::`-joined) whose value became a number/boolean, with the expanded text. */
  typedFromEnv: Map<string, string>;
}

const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function expandEnv(tree: unknown, env: NodeJS.ProcessEnv = process.env): ExpandResult {
  const res: ExpandResult = { value: undefined, issues: [], warnings: [], typedFromEnv: new Map() };
  res.value = walk(tree, [], env, res);
  return res;
}

function walk(v: unknown, path: string[], env: NodeJS.ProcessEnv, res: ExpandResult): unknown {
  if (typeof v === 'string') return v.includes('$') ? expandString(v, path, env, res) : v;
  if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)], env, res));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k], env, res);
    return out;
  }
  return v;
}

function expandString(s: string, path: string[], env: NodeJS.ProcessEnv, res: ExpandResult): unknown {
  const whole = /^\$\{([^{}]*)\}$/.exec(s);
  if (whole) {
    const text = resolveRef(whole[1], path, env, res);
    const typed = scalarType(text);
    if (typed !== undefined) {
      res.typedFromEnv.set(joinPath(...path), text);
      return typed;
    }
    return text;
  }
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '$' && s[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (c === '$' && s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      out += resolveRef(s.slice(i + 2, end), path, env, res);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function resolveRef(ref: string, path: string[], env: NodeJS.ProcessEnv, res: ExpandResult): string {
  const where = joinPath(...path);
  let scheme = 'env';
  let rest = ref;
  const colon = ref.indexOf(':');
  if (colon >= 0 && ENV_NAME.test(ref.slice(0, colon)) && ref[colon + 1] !== '-') {
    scheme = ref.slice(0, colon);
    rest = ref.slice(colon + 1);
  } else {
    const name = colon >= 0 ? ref.slice(0, colon) : ref;
    res.warnings.push(
      `${where}: "\${${ref}}" without a scheme is deprecated; use "\${env:${name}${colon >= 0 ? ref.slice(colon) : ''}}" instead`,
    );
  }
  if (scheme !== 'env') {
    res.issues.push({
      path: where,
      message: `unsupported reference "\${${ref}}": only the env scheme is supported ("\${env:NAME}")`,
    });
    return '';
  }
  const d = rest.indexOf(':-');
  const name = d >= 0 ? rest.slice(0, d) : rest;
  if (!ENV_NAME.test(name)) {
    res.issues.push({ path: where, message: `invalid environment variable name "${name}" in "\${${ref}}"` });
    return '';
  }
  const val = env[name];
  if (val !== undefined) return val;
  if (d >= 0) return rest.slice(d + 2);
  res.warnings.push(`${where}: configuration references unset environment variable "${name}"`);
  return '';
}

/** The variable's content as a YAML number or boolean, else undefined. */
function scalarType(text: string): number | boolean | undefined {
  if (text === '' || /[\n:#{}[\],&*!|>'"%@`]/.test(text)) return undefined;
  try {
    const v = parseYaml(text, YAML_OPTIONS);
    return typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}
