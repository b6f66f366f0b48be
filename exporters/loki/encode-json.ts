// Loki's JSON push body: {"streams":[{"stream":{...},"values":[["<ns>","<line>",{sm}]]}]}.
import type { LokiRequest, TextEntry } from './builder.js';

/** Parses our own `{a="b", c="d"}` label string back into a map (values escaped PromQL-style). */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(s); m; m = re.exec(s))
    out[m[1]] = m[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

function smJson(e: TextEntry): string {
  let s = '';
  const add = (p: string[]) => {
    for (let i = 0; i < p.length; i += 2)
      s += `${s ? ',' : ''}${JSON.stringify(p[i])}:${JSON.stringify(p[i + 1])}`;
  };
  add(e.smResource);
  add(e.smScope);
  add(e.smOwn);
  return s;
}

export function encodeJsonPush(req: LokiRequest): string {
  const parts: string[] = [];
  for (const st of req.streams) {
    const values: string[] = [];
    for (const e of st.entries) {
      // the builder writes entries from wire bytes only for the protobuf encoding
      if (e.wire !== undefined) throw new Error('loki JSON encoder: got an entry written as protobuf');
      const sm = smJson(e);
      values.push(`["${nanosString(e.sec, e.nanos)}",${JSON.stringify(e.line)}${sm ? `,{${sm}}` : ''}]`);
    }
    parts.push(`{"stream":${JSON.stringify(parseLabels(st.labels))},"values":[${values.join(',')}]}`);
  }
  return `{"streams":[${parts.join(',')}]}`;
}

/** Unix nanoseconds in decimal from whole seconds and the nanoseconds past them. */
function nanosString(sec: number, nanos: number): string {
  return sec === 0 ? String(nanos) : `${sec}${String(nanos).padStart(9, '0')}`;
}
