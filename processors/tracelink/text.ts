// Finds trace context in a string body: logfmt (`trace_id=...`), JSON-looking
// text (`"traceId":"..."`), `key: value`, and W3C `traceparent=00-...`.
// Regexes run only after a plain substring search found one of the keys, so
// the common line without trace context costs a few indexOf calls.
import type { TracelinkConfig } from './config.js';
import { flagsFromText, hexId, parseTraceparent, type TraceContext } from './values.js';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `key` as a whole word (not part of a longer key such as dd.trace_id), optionally quoted, then = or :, optionally quoted. */
function keyValueRe(keys: string[], value: string): RegExp | undefined {
  if (keys.length === 0) return undefined;
  const alt = keys.map(escapeRe).join('|');
  return new RegExp(`(?<![\\w.\\-])["']?(?:${alt})["']?\\s*[=:]\\s*["']?(${value})`);
}

export interface TextScanner {
  scan(text: string): { ctx?: TraceContext; requestId?: string } | undefined;
}

export function textScanner(c: TracelinkConfig): TextScanner {
  const needles = [...new Set([...c.trace_id_keys, ...c.traceparent_keys, ...c.request_id_keys])];
  const traceRe = keyValueRe(c.trace_id_keys, '[0-9a-fA-F]{32}(?![0-9a-zA-Z])');
  const spanRe = keyValueRe(c.span_id_keys, '[0-9a-fA-F]{16}(?![0-9a-zA-Z])');
  const flagsRe = keyValueRe(c.trace_flags_keys, '[0-9a-fA-F]{1,2}(?![0-9a-zA-Z])');
  const tpRe = keyValueRe(c.traceparent_keys, '00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-fA-F]{2}(?![0-9a-zA-Z])');
  const reqRe = keyValueRe(c.request_id_keys, `[^\\s"',;}\\]]+`);
  const hasTrace = new Set(c.trace_id_keys);
  const hasTp = new Set(c.traceparent_keys);

  return {
    scan(text) {
      let trace = false;
      let tp = false;
      let req = false;
      for (let i = 0; i < needles.length; i++) {
        const n = needles[i];
        if (text.indexOf(n) < 0) continue;
        if (hasTrace.has(n)) trace = true;
        else if (hasTp.has(n)) tp = true;
        else req = true;
      }
      if (trace && traceRe) {
        const m = traceRe.exec(text);
        const traceId = m ? hexId(m[1], 16) : undefined;
        if (traceId) {
          const ctx: TraceContext = { traceId };
          const s = spanRe?.exec(text);
          if (s) ctx.spanId = hexId(s[1], 8);
          const f = flagsRe?.exec(text);
          if (f) ctx.flags = flagsFromText(f[1]);
          return { ctx };
        }
      }
      if (tp && tpRe) {
        const m = tpRe.exec(text);
        const ctx = m ? parseTraceparent(m[1]) : undefined;
        if (ctx) return { ctx };
      }
      if (req && reqRe) {
        const m = reqRe.exec(text);
        if (m) return { requestId: m[1] };
      }
      return undefined;
    },
  };
}
