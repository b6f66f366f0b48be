// W3C tracestate parsing with the rules of the Go SDK's trace.ParseTraceState,
// which the collector's trace_state policy uses: any invalid member or a
// duplicate key makes the whole header invalid (the policy then does not match).

const MAX_MEMBERS = 32;

const isLcAlpha = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** lcalpha / DIGIT / "_" / "-" / "*" / "/" */
const isKeyChar = (c: number) =>
  isLcAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2a || c === 0x2f;

function checkKeyPart(s: string, max: number, firstDigitOk: boolean): boolean {
  if (s.length === 0 || s.length > max) return false;
  const c0 = s.charCodeAt(0);
  if (!isLcAlpha(c0) && !(firstDigitOk && isDigit(c0))) return false;
  for (let i = 1; i < s.length; i++) if (!isKeyChar(s.charCodeAt(i))) return false;
  return true;
}

/** simple-key, or multi-tenant tenant@system (tenant ≤ 241, system ≤ 14 characters). */
function checkKey(key: string): boolean {
  const at = key.indexOf('@');
  if (at < 0) return checkKeyPart(key, 256, false);
  return checkKeyPart(key.slice(0, at), 241, true) && checkKeyPart(key.slice(at + 1), 14, false);
}

/** 0-255 chr (0x20-0x7e but "," and "=") then one nblk-chr (no space). */
function checkValue(val: string): boolean {
  const n = val.length;
  if (n === 0 || n > 256) return false;
  for (let i = 0; i < n; i++) {
    const c = val.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
    if (i === n - 1 && c === 0x20) return false;
  }
  return true;
}

/** The members of a valid header, or undefined if it is invalid. Empty string → no members. */
export function parseTraceState(ts: string): Map<string, string> | undefined {
  const members = new Map<string, string>();
  if (ts === '') return members;
  for (const raw of ts.split(',')) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq < 0) return undefined;
    const key = raw.slice(0, eq).replace(/^[ \t]+/, '');
    const val = raw.slice(eq + 1).replace(/[ \t]+$/, '');
    if (!checkKey(key) || !checkValue(val)) return undefined;
    if (members.has(key)) return undefined;
    members.set(key, val);
    if (members.size > MAX_MEMBERS) return undefined;
  }
  return members;
}
