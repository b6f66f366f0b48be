// The forward protocol v1 handshake (spec "Handshake Messages"), server side,
// as fluentd's in_forward does it:
//   server → HELO ["HELO", {nonce, auth: user-auth salt or "", keepalive}]
//   client → PING ["PING", client_hostname, shared_key_salt,
//                  sha512_hex(shared_key_salt + client_hostname + nonce + shared_key),
//                  username | "", sha512_hex(auth_salt + username + password) | ""]
//   server → PONG ["PONG", ok, reason, server_hostname,
//                  sha512_hex(shared_key_salt + server_hostname + nonce + shared_key)]
// Digests are compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Packr } from 'msgpackr';
import { MsgpackError, type Reader } from './msgpack.js';

// fixmap/fixstr where they fit, bin for Buffers (fluent-logger checks the auth salt with Buffer.isBuffer)
const packr = new Packr({ useRecords: false, variableMapSize: true });

export interface HandshakeConfig {
  sharedKey: string;
  selfHostname: string;
  /** username → password; undefined when user authentication is off. */
  users?: Map<string, string>;
}

export interface Session {
  nonce: Buffer;
  /** The salt for user authentication ("" when it is off). */
  authSalt: Buffer;
}

export function newSession(cfg: HandshakeConfig): Session {
  return { nonce: randomBytes(16), authSalt: cfg.users ? randomBytes(16) : Buffer.alloc(0) };
}

export function helo(session: Session, keepalive = true): Buffer {
  const auth = session.authSalt.length > 0 ? session.authSalt : '';
  return packr.pack(['HELO', { nonce: session.nonce, auth, keepalive }]);
}

const sha512hex = (...parts: (string | Buffer)[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type PingResult =
  | { ok: true; clientHostname: string; pong: Buffer }
  | { ok: false; reason: string; clientHostname: string; pong: Buffer };

/**
 * Checks a PING (the reader is past the array header, `length` elements) and
 * builds the PONG to answer. Throws MsgpackError if it is not a PING at all.
 */
export function checkPing(r: Reader, length: number, session: Session, cfg: HandshakeConfig): PingResult {
  if (length !== 6) throw new MsgpackError(`expected a PING of 6 elements, found an array of ${length}`);
  const kind = r.string('handshake message');
  if (kind !== 'PING')
    throw new MsgpackError(`expected PING during the handshake, found "${kind.slice(0, 20)}"`);
  const clientHostname = r.string('PING client_hostname');
  const salt = r.rawBytes();
  if (salt === undefined) throw new MsgpackError('PING shared_key_salt: expected a string');
  const digest = r.string('PING shared_key_hexdigest');
  const username = r.string('PING username');
  const passwordDigest = r.string('PING password digest');
  const refuse = (reason: string): PingResult => ({
    ok: false,
    reason,
    clientHostname,
    pong: packr.pack(['PONG', false, reason, '', '']),
  });
  if (!sameHex(digest, sha512hex(salt, clientHostname, session.nonce, cfg.sharedKey))) {
    return refuse('shared_key mismatch');
  }
  if (cfg.users) {
    const password = cfg.users.get(username);
    const ok =
      password !== undefined && sameHex(passwordDigest, sha512hex(session.authSalt, username, password));
    if (!ok) return refuse('username/password mismatch');
  }
  const pong = packr.pack([
    'PONG',
    true,
    '',
    cfg.selfHostname,
    sha512hex(salt, cfg.selfHostname, session.nonce, cfg.sharedKey),
  ]);
  return { ok: true, clientHostname, pong };
}

/** The response to a frame with the `chunk` option: {"ack": chunk}. */
export function ack(chunk: string): Buffer {
  return packr.pack({ ack: chunk });
}
