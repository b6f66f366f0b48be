// The system detector (collector internal/system): host.name from the
// hostname_sources in order (dns: the FQDN, os: the kernel's hostname, cname,
// lookup: reverse DNS of the host's address), os.type, and when enabled
// host.arch, host.id (/etc/machine-id), os.description, host.ip, host.mac.
import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { AttributeBuilder, type DetectContext, type Detected, type Detector, SCHEMA_URL } from './types.js';

/** GOOS → os.type (internal.GOOSToOSType), from Node's process.platform. */
export function osType(platform: string = process.platform): string {
  switch (platform) {
    case 'win32':
      return 'windows';
    case 'sunos':
      return 'solaris';
    case 'dragonfly':
      return 'dragonflybsd';
    case 'os390':
      return 'z_os';
    default:
      return platform;
  }
}

/** GOARCH → host.arch (internal.GOARCHtoHostArch), from Node's process.arch. */
export function hostArch(arch: string = process.arch): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return 'x86';
    case 'arm':
      return 'arm32';
    case 'ppc':
      return 'ppc32';
    default:
      return arch; // arm64, ppc64, s390x
  }
}

export interface SystemSources {
  hostname(): string;
  readFile(path: string): string;
  lookup(host: string): Promise<string>;
  reverse(ip: string): Promise<string[]>;
  resolveCname(host: string): Promise<string[]>;
  networkInterfaces(): NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

// one try of 1 s per query: an unreachable DNS server must not eat the whole detection timeout
const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });

export const realSources: SystemSources = {
  hostname: () => os.hostname(),
  readFile: (p) => readFileSync(p, 'utf8'),
  lookup: async (h) => (await dns.lookup(h)).address,
  reverse: (ip) => resolver.reverse(ip),
  resolveCname: (h) => resolver.resolveCname(h),
  networkInterfaces: () => os.networkInterfaces(),
};

const stripDot = (s: string) => (s.endsWith('.') ? s.slice(0, -1) : s);

/** The canonical name of the hostname in /etc/hosts (the first name of the first line listing it). */
function fromHostsFile(src: SystemSources, host: string): string | undefined {
  let text: string;
  try {
    text = src.readFile('/etc/hosts');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    const names = fields.slice(1);
    if (names.includes(host)) return names[0];
  }
  return undefined;
}

/** go-fqdn's FqdnHostname: /etc/hosts, then the CNAME, then reverse DNS of the host's address. */
async function fqdn(src: SystemSources): Promise<string> {
  const host = src.hostname();
  const fromHosts = fromHostsFile(src, host);
  if (fromHosts) return fromHosts;
  try {
    const [cname] = await src.resolveCname(host);
    if (cname) return stripDot(cname);
  } catch {}
  const ip = await src.lookup(host);
  const [name] = await src.reverse(ip);
  if (!name) throw new Error(`no reverse DNS name for ${ip}`);
  return stripDot(name);
}

const HOSTNAME_SOURCES: Record<string, (src: SystemSources) => Promise<string>> = {
  os: async (src) => src.hostname(),
  dns: fqdn,
  cname: async (src) => {
    const [c] = await src.resolveCname(src.hostname());
    if (!c) throw new Error('no CNAME');
    return stripDot(c);
  },
  lookup: async (src) => {
    const [name] = await src.reverse(await src.lookup(src.hostname()));
    if (!name) throw new Error('no reverse DNS name');
    return stripDot(name);
  },
};

/** /etc/machine-id, else /var/lib/dbus/machine-id (what the OpenTelemetry Go SDK reads on Linux). */
function hostId(src: SystemSources): string {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = src.readFile(p).trim();
      if (id) return id;
    } catch {}
  }
  throw new Error('failed getting host ID: no /etc/machine-id or /var/lib/dbus/machine-id');
}

/** "<PRETTY_NAME> (<uname: sysname nodename release version machine>)", as the Go SDK's OS description. */
function osDescription(src: SystemSources): string {
  const uname = `${os.type()} ${os.hostname()} ${os.release()} ${os.version()} ${os.machine()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(src.readFile('/etc/os-release'))?.[1];
    if (pretty) return `${pretty} (${uname})`;
  } catch {}
  return uname;
}

function addresses(src: SystemSources): { ips: string[]; macs: string[] } {
  const ips: string[] = [];
  const macs = new Set<string>();
  for (const list of Object.values(src.networkInterfaces()))
    for (const a of list ?? []) {
      if (a.internal) continue;
      ips.push(a.address);
      if (a.mac && a.mac !== '00:00:00:00:00:00') macs.add(a.mac.toUpperCase().replace(/:/g, '-'));
    }
  return { ips, macs: [...macs] };
}

export function systemDetector(
  cfg: { hostname_sources: string[] },
  enabled: Set<string>,
  src: SystemSources = realSources,
): Detector {
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      const b = new AttributeBuilder(enabled);
      let hostname: string | undefined;
      for (const source of cfg.hostname_sources) {
        try {
          hostname = await HOSTNAME_SOURCES[source](src);
          if (hostname) break;
        } catch (e) {
          ctx.logger.debug({ source, err: (e as Error).message }, 'hostname source failed');
        }
      }
      if (!hostname) throw new Error('all hostname sources failed to get hostname');
      b.str('host.name', hostname).str('os.type', osType());
      if (b.has('host.id')) b.str('host.id', hostId(src));
      if (b.has('host.arch')) b.str('host.arch', hostArch());
      if (b.has('os.description')) b.str('os.description', osDescription(src));
      if (b.has('host.ip') || b.has('host.mac')) {
        const { ips, macs } = addresses(src);
        b.strs('host.ip', ips).strs('host.mac', macs);
      }
      return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
    },
  };
}
