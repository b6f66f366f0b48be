// A small authoritative DNS responder on UDP 127.0.0.1 for tests: answers A
// and AAAA questions from a table the test changes at will (RFC 1035 message
// format: header, one question, answers with a name pointer to the question),
// NXDOMAIN for names it does not know, an empty NOERROR answer (NODATA) for a
// known name without records of the asked type. `silent` makes it drop
// queries (a server that does not answer).
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

export interface DnsRecords {
  a?: string[];
  aaaa?: string[];
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

export class DnsResponder {
  readonly records = new Map<string, DnsRecords>();
  silent = false;
  queries = 0;
  private socket: Socket | undefined;

  set(name: string, records: DnsRecords): void {
    this.records.set(name.toLowerCase().replace(/\.$/, ''), records);
  }

  async listen(): Promise<string> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.queries++;
      if (this.silent) return;
      const reply = this.answer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return `127.0.0.1:${socket.address().port}`;
  }

  private answer(q: Buffer): Buffer | undefined {
    if (q.length < 12 || q.readUInt16BE(4) !== 1) return undefined;
    let at = 12;
    const labels: string[] = [];
    while (at < q.length && q[at] !== 0) {
      const len = q[at];
      labels.push(q.subarray(at + 1, at + 1 + len).toString('ascii'));
      at += 1 + len;
    }
    const qEnd = at + 5; // zero label, qtype, qclass
    if (qEnd > q.length) return undefined;
    const qtype = q.readUInt16BE(at + 1);
    const name = labels.join('.').toLowerCase();
    const rec = this.records.get(name);
    const addrs = !rec ? [] : qtype === TYPE_A ? (rec.a ?? []) : qtype === TYPE_AAAA ? (rec.aaaa ?? []) : [];
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2); // id
    const rd = q[2] & 0x01;
    header[2] = 0x84 | rd; // QR, AA, RD echoed
    header[3] = rec ? 0 : 3; // NOERROR / NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addrs.length, 6);
    const answers = addrs.map((ip) => {
      const data = qtype === TYPE_A && isIPv4(ip) ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(1, 6); // TTL 1 s
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    return Buffer.concat([header, q.subarray(12, qEnd), ...answers]);
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

function ipv6Bytes(ip: string): Buffer {
  if (!isIPv6(ip)) throw new Error(`not an IPv6 address: ${ip}`);
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
