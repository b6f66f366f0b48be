// relabel_configs / metric_relabel_configs entries (Prometheus
// model/relabel.Config): defaults and the checks Prometheus makes when it
// loads a config, with its messages.
import { z } from 'zod';
import { goRegExpAnchored } from '../../../src/regexp/go.js';

export const ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;
export type RelabelAction = (typeof ACTIONS)[number];

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A target_label / labelmap replacement: label-name characters and `$1` / `${name}` references. */
const RELABEL_TARGET = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

export interface RelabelRule {
  action: RelabelAction;
  sourceLabels: string[];
  separator: string;
  regex: RegExp;
  /** The regex as written (for messages and the keepequal/labeldrop checks). */
  regexText: string;
  modulus: bigint;
  targetLabel: string;
  replacement: string;
}

/** YAML may give `regex: true` or `regex: 200` (unquoted); Prometheus reads it as the text. */
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const relabelSchema = z
  .strictObject({
    source_labels: z.array(z.string().regex(LABEL_NAME, { message: 'not a valid label name' })).optional(),
    separator: scalarText.optional(),
    regex: scalarText.optional(),
    modulus: z.number().int().nonnegative().optional(),
    target_label: scalarText.optional(),
    replacement: scalarText.optional(),
    action: z.string().default('replace'),
  })
  .transform((c, ctx): RelabelRule => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const action = c.action.toLowerCase() as RelabelAction;
    if (c.action === '') return fail('relabel action cannot be empty');
    if (!ACTIONS.includes(action))
      return fail(`unknown relabel action "${c.action}" (one of ${ACTIONS.join(', ')})`);
    const regexText = c.regex ?? '(.*)';
    let regex: RegExp;
    try {
      // Prometheus compiles ^(?s:<regex>)$: anchored, `.` matching newlines
      regex = goRegExpAnchored(regexText, 's');
    } catch (err) {
      return fail(`error parsing regexp: ${(err as Error).message}: \`${regexText}\``);
    }
    const target = c.target_label ?? '';
    const replacement = c.replacement ?? '$1';
    const modulus = c.modulus ?? 0;
    if (action === 'hashmod' && modulus === 0)
      return fail('relabel configuration for hashmod requires non-zero modulus');
    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
    if (needsTarget.includes(action) && target === '')
      return fail(`relabel configuration for ${action} action requires 'target_label' value`);
    if (['replace', 'lowercase', 'uppercase'].includes(action) && !RELABEL_TARGET.test(target))
      return fail(`"${target}" is invalid 'target_label' for ${action} action`);
    if (['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && c.replacement !== undefined)
      return fail(`'replacement' can not be set for ${action} action`);
    if (action === 'labelmap' && !RELABEL_TARGET.test(replacement))
      return fail(`"${replacement}" is invalid 'replacement' for ${action} action`);
    if (action === 'hashmod' && !LABEL_NAME.test(target))
      return fail(`"${target}" is invalid 'target_label' for ${action} action`);
    if (
      (action === 'keepequal' || action === 'dropequal') &&
      (c.regex !== undefined || c.modulus !== undefined || c.separator !== undefined)
    )
      return fail(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    if (
      (action === 'labeldrop' || action === 'labelkeep') &&
      (c.source_labels !== undefined ||
        c.target_label !== undefined ||
        c.modulus !== undefined ||
        c.separator !== undefined ||
        c.replacement !== undefined)
    )
      return fail(`${action} action requires only 'regex', and no other fields`);
    return {
      action,
      sourceLabels: c.source_labels ?? [],
      separator: c.separator ?? ';',
      regex,
      regexText,
      modulus: BigInt(modulus),
      targetLabel: target,
      replacement,
    };
  });
