// The collector's uri_parser (parseutils.ParseURI, non-semconv form) over the
// parts of Go's net/url it uses: url.ParseRequestURI (an absolute URI or an
// absolute path; no #fragment handling), Hostname/Port/EscapedPath, and
// url.ParseQuery. Only set fields are returned; query values are lists.

import { setOwn } from './entry.js';

export class UrlError extends Error {}

const HEX = '0123456789ABCDEF';
const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);

/** Go's url.QueryUnescape / path unescape: %XX (and `+` → space in query mode). */
function percentDecode(s: string, mode: 'query' | 'path' | 'user' | 'host'): string {
  if (!s.includes('%') && !(mode === 'query' && s.includes('+'))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (h.length < 2 || !isHex(h[0]) || !isHex(h[1])) {
        const bad = s.slice(i, i + 3);
        throw new UrlError(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      bytes.push(Number.parseInt(h, 16));
      i += 2;
    } else if (c === '+' && mode === 'query') bytes.push(0x20);
    else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Go's url.ParseQuery: the values and the first error (pieces with errors are skipped). */
export function parseQuery(q: string): { values: Map<string, string[]>; error?: string } {
  const values = new Map<string, string[]>();
  let error: string | undefined;
  for (const piece of q.split('&')) {
    if (piece.includes(';')) {
      error ??= 'invalid semicolon separator in query';
      continue;
    }
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = percentDecode(rawKey, 'query');
      value = percentDecode(rawValue, 'query');
    } catch (err) {
      error ??= (err as Error).message;
      continue;
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return { values, error };
}

// characters a path may hold unescaped (Go's validEncoded with encodePath)
const PATH_OK = /^[A-Za-z0-9\-_.~!$&'()*+,;=:@[\]/%]*$/;

/** Go's url.PathEscape-like escape of a decoded path (EscapedPath when the raw path is not valid). */
function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseHost(host: string): { hostname: string; port: string } {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (colonPort !== '' && !/^:[0-9]*$/.test(colonPort))
      throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    return { hostname: percentDecode(host.slice(1, close), 'host'), port: colonPort.slice(1) };
  }
  const i = host.lastIndexOf(':');
  if (i >= 0) {
    const colonPort = host.slice(i);
    if (!/^:[0-9]*$/.test(colonPort))
      throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    return { hostname: percentDecode(host.slice(0, i), 'host'), port: colonPort.slice(1) };
  }
  return { hostname: percentDecode(host, 'host'), port: '' };
}

function queryMap(values: Map<string, string[]>, out: Record<string, unknown>): Record<string, unknown> {
  if (values.size === 0) return out;
  const q: Record<string, unknown> = {};
  for (const [k, v] of values) setOwn(q, k, v);
  out.query = q;
  return out;
}

/** The collector's ParseURI(value, semconv=false): scheme, user, host, port, path, query (only those set). */
export function parseUri(value: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value.startsWith('?')) {
    const { values, error } = parseQuery(value.slice(1));
    if (error) throw new UrlError(error);
    return queryMap(values, out);
  }
  // url.ParseRequestURI
  if (/[\x00-\x1f\x7f]/.test(value)) throw new UrlError('net/url: invalid control character in URL');
  if (value === '') throw new UrlError('empty url');
  if (value === '*') {
    out.path = '*';
    return out;
  }
  let [scheme, rest] = getScheme(value);
  scheme = scheme.toLowerCase();
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length === 2) rest = rest.slice(0, -1);
  else {
    const qi = rest.indexOf('?');
    if (qi >= 0) {
      rawQuery = rest.slice(qi + 1);
      rest = rest.slice(0, qi);
    }
  }
  let user = '';
  let host = { hostname: '', port: '' };
  let path = '';
  if (!rest.startsWith('/')) {
    if (scheme === '') throw new UrlError('invalid URI for request');
    // rootless with a scheme: opaque (no host, no path)
  } else {
    if (scheme !== '' && rest.startsWith('//')) {
      let authority = rest.slice(2);
      rest = '';
      const slash = authority.indexOf('/');
      if (slash >= 0) {
        rest = authority.slice(slash);
        authority = authority.slice(0, slash);
      }
      const at = authority.lastIndexOf('@');
      host = parseHost(at < 0 ? authority : authority.slice(at + 1));
      if (at >= 0) {
        const userinfo = authority.slice(0, at);
        if (!USERINFO_OK.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
        const colon = userinfo.indexOf(':');
        user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user');
        if (colon >= 0) percentDecode(userinfo.slice(colon + 1), 'user'); // validated, never returned
      }
    }
    const decoded = percentDecode(rest, 'path');
    path = PATH_OK.test(rest) ? rest : escapePath(decoded);
  }
  if (scheme) out.scheme = scheme;
  if (user) out.user = user;
  if (host.hostname) out.host = host.hostname;
  if (host.port) out.port = host.port;
  if (path) out.path = path;
  return queryMap(parseQuery(rawQuery).values, out);
}
