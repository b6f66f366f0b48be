// Stanza field syntax: `body`, `body.a.b`, `attributes.x`, `attributes["k8s.pod.name"]`,
// `resource["service.name"]` (a leading `$` as in old configs is accepted).
import { type Entry, isMap, ownResource } from './entry.js';
import { EntryError } from './entry-error.js';

export type FieldRoot = 'body' | 'attributes' | 'resource';
export interface Field {
  root: FieldRoot;
  keys: string[];
  text: string;
}

export function parseField(text: string): Field {
  let s = text.trim();
  if (s.startsWith('$')) s = s.slice(1);
  const m = /^(body|attributes|resource)(?=$|[.[])/.exec(s);
  // a bare name is an attribute (stanza's rule): `trace_id` = attributes.trace_id
  if (!m) {
    if (!/^[A-Za-z0-9_][^[\]]*$/.test(s)) throw new EntryError(`invalid field "${text}"`);
    return { root: 'attributes', keys: s.split('.'), text };
  }
  const root = m[1] as FieldRoot;
  const keys: string[] = [];
  let i = m[0].length;
  while (i < s.length) {
    if (s[i] === '.') {
      let j = i + 1;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      if (j === i + 1) throw new EntryError(`invalid field "${text}": empty key`);
      keys.push(s.slice(i + 1, j));
      i = j;
    } else if (s[i] === '[') {
      const q = s[i + 1];
      if (q !== '"' && q !== "'")
        throw new EntryError(`invalid field "${text}": expected a quoted key after [`);
      const end = s.indexOf(`${q}]`, i + 2);
      if (end < 0) throw new EntryError(`invalid field "${text}": unterminated [${q}`);
      keys.push(s.slice(i + 2, end));
      i = end + 2;
    } else throw new EntryError(`invalid field "${text}"`);
  }
  return { root, keys, text };
}

function rootGet(e: Entry, f: Field): unknown {
  return f.root === 'body' ? e.body : f.root === 'attributes' ? e.attributes : e.resource;
}

export function getField(e: Entry, f: Field): unknown {
  let v = rootGet(e, f);
  const k = f.keys;
  for (let i = 0; i < k.length; i++) {
    if (!isMap(v)) return undefined;
    v = v[k[i]];
  }
  return v;
}

/** Sets a field; setting a whole map root (attributes/resource) merges the map into it (taking ownership of `value`). */
export function setField(e: Entry, f: Field, value: unknown): void {
  const k = f.keys;
  if (k.length === 0) {
    if (f.root === 'body') e.body = value;
    else if (isMap(value)) {
      // merge: the new map wins; adopting it (copying the few existing keys
      // over) is much cheaper than Object.assign into the old object
      const old = f.root === 'attributes' ? e.attributes : e.resource;
      for (const k in old) if (!(k in value)) value[k] = old[k];
      if (f.root === 'attributes') e.attributes = value;
      else {
        e.resource = value;
        e.resourceShared = false;
      }
    } else throw new EntryError(`cannot set ${f.root} to a non-map value`);
    return;
  }
  let m: Record<string, unknown>;
  if (f.root === 'body') {
    if (!isMap(e.body)) e.body = {};
    m = e.body as Record<string, unknown>;
  } else m = f.root === 'attributes' ? e.attributes : ownResource(e);
  for (let i = 0; i < k.length - 1; i++) {
    let n = m[k[i]];
    if (!isMap(n)) {
      n = {};
      m[k[i]] = n;
    }
    m = n as Record<string, unknown>;
  }
  m[k[k.length - 1]] = value;
}

/** Removes a field and returns its value (undefined if absent). */
export function deleteField(e: Entry, f: Field): unknown {
  const k = f.keys;
  if (k.length === 0) {
    if (f.root === 'body') {
      const v = e.body;
      e.body = undefined;
      return v;
    }
    if (f.root === 'attributes') {
      const v = e.attributes;
      e.attributes = {};
      return v;
    }
    const v = e.resource;
    e.resource = {};
    e.resourceShared = false;
    return v;
  }
  let m: unknown =
    f.root === 'resource' ? (getField(e, { ...f, keys: [] }) ? ownResource(e) : undefined) : rootGet(e, f);
  for (let i = 0; i < k.length - 1; i++) {
    if (!isMap(m)) return undefined;
    m = m[k[i]];
  }
  if (!isMap(m)) return undefined;
  const last = k[k.length - 1];
  if (!(last in m)) return undefined;
  const v = m[last];
  delete m[last];
  return v;
}
