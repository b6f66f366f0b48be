// Applies relabel rules to a label set, step by step as Prometheus's
// relabel.Process does. Labels are a Map; an empty value is the same as an
// absent label (setting "" deletes). Returns false when a rule drops the set.
import { createHash } from 'node:crypto';
import { goExpand } from '../../../src/regexp/expand.js';
import { LABEL_NAME, type RelabelRule } from './config.js';

export type Labels = Map<string, string>;

/** Mutates `labels`; false means the target or sample was dropped. */
export function relabel(labels: Labels, rules: readonly RelabelRule[]): boolean {
  for (const rule of rules) if (!step(labels, rule)) return false;
  return true;
}

function set(labels: Labels, name: string, value: string): void {
  if (value === '') labels.delete(name);
  else labels.set(name, value);
}

function sourceValue(labels: Labels, rule: RelabelRule): string {
  const src = rule.sourceLabels;
  if (src.length === 1) return labels.get(src[0]) ?? '';
  let v = '';
  for (let i = 0; i < src.length; i++) {
    if (i > 0) v += rule.separator;
    v += labels.get(src[i]) ?? '';
  }
  return v;
}

function step(labels: Labels, rule: RelabelRule): boolean {
  const val = sourceValue(labels, rule);
  switch (rule.action) {
    case 'drop':
      return !rule.regex.test(val);
    case 'keep':
      return rule.regex.test(val);
    case 'dropequal':
      return (labels.get(rule.targetLabel) ?? '') !== val;
    case 'keepequal':
      return (labels.get(rule.targetLabel) ?? '') === val;
    case 'replace': {
      const m = rule.regex.exec(val);
      if (!m) return true;
      const target = goExpand(rule.targetLabel, m);
      if (!LABEL_NAME.test(target)) {
        labels.delete(rule.targetLabel);
        return true;
      }
      set(labels, target, goExpand(rule.replacement, m));
      return true;
    }
    case 'lowercase':
      set(labels, rule.targetLabel, val.toLowerCase());
      return true;
    case 'uppercase':
      set(labels, rule.targetLabel, val.toUpperCase());
      return true;
    case 'hashmod': {
      // sum64 of the MD5: its last 8 bytes, big-endian (the first 8 shift out in Go)
      const digest = createHash('md5').update(val).digest();
      const mod = digest.readBigUInt64BE(8) % rule.modulus;
      labels.set(rule.targetLabel, mod.toString());
      return true;
    }
    case 'labelmap': {
      for (const [name, value] of sortedEntries(labels)) {
        const m = rule.regex.exec(name);
        if (m) set(labels, goExpand(rule.replacement, m), value);
      }
      return true;
    }
    case 'labeldrop':
      for (const name of [...labels.keys()]) if (rule.regex.test(name)) labels.delete(name);
      return true;
    case 'labelkeep':
      for (const name of [...labels.keys()]) if (!rule.regex.test(name)) labels.delete(name);
      return true;
  }
}

/** Entries in label-name order (Prometheus iterates label sets sorted). */
export function sortedEntries(labels: Labels): [string, string][] {
  return [...labels].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
