// htpasswd files as Apache's htpasswd writes them: `user:hash` lines, where the
// hash is bcrypt ($2a$/$2b$/$2y$), Apache MD5 ($apr1$) or MD5-crypt ($1$),
// {SHA}, {SSHA}, or the plain password. The collector's library
// (go-htpasswd) also takes glibc crypt SHA-256/512 ($5$/$6$), not built here:
// such a line is reported at start and never matches.
import { createHash, timingSafeEqual } from 'node:crypto';
import md5crypt from 'apache-md5';
import bcrypt from 'bcryptjs';

export type HashKind = 'bcrypt' | 'md5' | 'sha' | 'ssha' | 'plain' | 'unsupported';

export interface HtpasswdEntry {
  kind: HashKind;
  hash: string;
}

export interface ParsedHtpasswd {
  users: Map<string, HtpasswdEntry>;
  /** 1-based line numbers of lines that are not `user:hash`, and of unsupported hashes. */
  problems: string[];
}

export function hashKind(hash: string): HashKind {
  if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
  if (hash.startsWith('$apr1$') || hash.startsWith('$1$')) return 'md5';
  if (hash.startsWith('{SHA}')) return 'sha';
  if (hash.startsWith('{SSHA}')) return 'ssha';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'unsupported';
  return 'plain';
}

/** Parses htpasswd text; a later line for the same user wins (inline after file). */
export function parseHtpasswd(text: string, source: string, into?: ParsedHtpasswd): ParsedHtpasswd {
  const out: ParsedHtpasswd = into ?? { users: new Map(), problems: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      out.problems.push(`${source} line ${i + 1}: not "user:password"`);
      return;
    }
    const hash = line.slice(colon + 1);
    const kind = hashKind(hash);
    if (kind === 'unsupported')
      out.problems.push(`${source} line ${i + 1}: crypt SHA-256/512 hashes are not supported`);
    out.users.set(line.slice(0, colon), { kind, hash });
  });
  return out;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** True if `password` matches the entry. bcrypt runs off the hot loop in slices (bcryptjs async). */
export async function verify(entry: HtpasswdEntry, password: string): Promise<boolean> {
  switch (entry.kind) {
    case 'bcrypt':
      return bcrypt.compare(password, entry.hash);
    case 'md5':
      return sameText(md5crypt(password, entry.hash), entry.hash);
    case 'sha':
      return sameText(`{SHA}${createHash('sha1').update(password).digest('base64')}`, entry.hash);
    case 'ssha': {
      const raw = Buffer.from(entry.hash.slice('{SSHA}'.length), 'base64');
      if (raw.length <= 20) return false;
      const salt = raw.subarray(20);
      const digest = createHash('sha1').update(password).update(salt).digest();
      return timingSafeEqual(digest, raw.subarray(0, 20));
    }
    case 'plain':
      return sameText(password, entry.hash);
    default:
      return false;
  }
}
