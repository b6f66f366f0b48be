// The Zipkin v2 span model both v2 decoders (JSON, protobuf) produce, as
// zipkin-go's SpanModel holds it, and the small helpers they share.
export class ZipkinDecodeError extends Error {}

export interface ZEndpoint {
  serviceName: string;
  /** Canonical text (Go's net.IP.String()), '' when absent. */
  ipv4: string;
  ipv6: string;
  port: number;
}

export interface ZSpan {
  /** 16 bytes (high 8 zero for a 64-bit trace ID). */
  traceId: Uint8Array;
  id: Uint8Array;
  /** Undefined when absent. */
  parentId: Uint8Array | undefined;
  name: string;
  kind: '' | 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Microseconds since the epoch; 0 = absent. */
  timestamp: bigint;
  duration: bigint;
  localEndpoint: ZEndpoint | undefined;
  remoteEndpoint: ZEndpoint | undefined;
  annotations: { timestamp: bigint; value: string }[];
  /** In arrival order. */
  tags: Map<string, string>;
}

/** Go's net.IP.String() of 4 or 16 bytes (IPv4-mapped IPv6 prints as dotted IPv4, RFC 5952 otherwise). */
export function ipString(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return '';
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = b[i] === 0;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // the longest run of two or more zero groups becomes "::" (the first such run on a tie)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses IPv4 or IPv6 text into bytes (4 or 16), undefined if it is not an address. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
  }
  if (!text.includes(':')) return undefined;
  let host: string;
  try {
    host = new URL(`http://[${text}]/`).hostname; // validates and expands nothing; we re-parse below
  } catch {
    return undefined;
  }
  const s = host.slice(1, -1);
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const parts = (x: string) => (x === '' ? [] : x.split(':'));
  const h = parts(head);
  const t = tail === undefined ? [] : parts(tail);
  const expand = (p: string[]) => {
    const out: number[] = [];
    for (const g of p) {
      if (g.includes('.')) {
        const v = parseIp(g)!;
        out.push((v[0] << 8) | v[1], (v[2] << 8) | v[3]);
      } else out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const hg = expand(h);
  const tg = expand(t);
  const groups = tail === undefined ? hg : [...hg, ...new Array(8 - hg.length - tg.length).fill(0), ...tg];
  if (groups.length !== 8) return undefined;
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}
