// Credentials written into URLs (`http://user:pass@host`) must not reach a log line or a
// message: the logger passes every line through redactUrl (logger.ts), and exporters print
// their endpoints redacted (src/exporterhelper/endpoint.ts).

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*)@/gi;

/**
 * `s` with the userinfo of every URL in it masked: `http://user:xxxxx@host` (Go's Redacted);
 * a userinfo without a password (often a token) becomes `xxxxx`.
 */
export function redactUrl(s: string): string {
  if (!s.includes('@')) return s;
  return s.replace(USERINFO, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return colon < 0 ? `${scheme}xxxxx@` : `${scheme}${info.slice(0, colon)}:xxxxx@`;
  });
}
