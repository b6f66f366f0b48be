// The env detector: OTEL_RESOURCE_ATTRIBUTES (or the older OTEL_RESOURCE),
// `key1=value1,key2=value2`, values URL-decoded (collector internal/env/env.go,
// its regexp and url.QueryUnescape). OTEL_SERVICE_NAME is not read: the
// collector's detector does not read it either.
import type { KeyValue } from '../../../src/pdata/types.js';
import { type Detected, type Detector, EMPTY } from './types.js';

// \s in Go's RE2 is [\t\n\f\r ]; [[:ascii:]] is \x00-\x7F
const LABEL =
  /[\t\n\f\r ]*([\x00-\x7F]{1,256}?)[\t\n\f\r ]*=[\t\n\f\r ]*([\x00-\x7F]{0,256}?)[\t\n\f\r ]*(?:,|$)/g;

/** url.QueryUnescape: "+" is a space, %XX a byte; a bad escape is an error. */
function queryUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s))
    throw new Error(`invalid URL escape "${s.slice(s.indexOf('%'), s.indexOf('%') + 3)}"`);
  const bytes = Buffer.from(
    s
      .replace(/\+/g, ' ')
      .replace(/%([0-9a-fA-F]{2})/g, (_m, h) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

export function parseResourceAttributes(s: string): KeyValue[] {
  const out: KeyValue[] = [];
  const matches = [...s.matchAll(LABEL)];
  if (matches.length === 0) throw new Error(`invalid resource format: ${JSON.stringify(s)}`);
  let prev = 0;
  for (const m of matches) {
    const at = m.index ?? 0;
    if (at !== prev)
      throw new Error(`invalid resource format, invalid text: ${JSON.stringify(s.slice(prev, at))}`);
    let value: string;
    try {
      value = queryUnescape(m[2]);
    } catch (e) {
      throw new Error(
        `invalid resource format in attribute: ${JSON.stringify(m[0])}, err: ${(e as Error).message}`,
      );
    }
    const i = out.findIndex((kv) => kv.key === m[1]);
    if (i >= 0) out[i] = { key: m[1], value: { stringValue: value } };
    else out.push({ key: m[1], value: { stringValue: value } });
    prev = at + m[0].length;
  }
  if (prev !== s.length)
    throw new Error(`invalid resource format, invalid text: ${JSON.stringify(s.slice(prev))}`);
  return out;
}

export const envDetector = (): Detector => ({
  async detect(ctx): Promise<Detected> {
    let labels = (ctx.env.OTEL_RESOURCE_ATTRIBUTES ?? '').trim();
    if (labels === '') labels = (ctx.env.OTEL_RESOURCE ?? '').trim();
    if (labels === '') return EMPTY;
    return { attributes: parseResourceAttributes(labels), schemaUrl: '' };
  },
});
