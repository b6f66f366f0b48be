// The agent's instance_uid: 16 bytes, shown as a canonical UUID string
// (service.instance.id in the agent description). New ones are UUIDv7, as
// the OpAMP spec recommends.
import { randomBytes } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseUuid(s: string): Uint8Array | undefined {
  if (!UUID_RE.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s.replaceAll('-', ''), 'hex'));
}

export function formatUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 9562 UUIDv7: 48-bit ms timestamp, version 7, variant 10, the rest random. */
export function uuidV7(now = Date.now()): Uint8Array {
  const b = new Uint8Array(randomBytes(16));
  let t = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  return b;
}

/** instance_uid from the config, else service.instance.id when it is a UUID, else a new UUIDv7. */
export function initialInstanceUid(configured: string | undefined, serviceInstanceId: string | undefined) {
  return (
    (configured && parseUuid(configured)) || (serviceInstanceId && parseUuid(serviceInstanceId)) || uuidV7()
  );
}
