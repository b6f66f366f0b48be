// Syslog from real clients nobody here wrote, through the built binary to an
// OTLP/HTTP next hop decoded with the upstream protos: util-linux `logger`
// (RFC 5424 with octet counting and with LF framing over TCP, RFC 3164 over
// UDP and TCP) and a real `rsyslogd` forwarding with omfwd over TCP with
// octet-counted framing (its default RSYSLOG_SyslogProtocol23Format, whose
// frames end in a LF the count includes). Checked: exact bodies, attributes
// (structured data, non-ASCII), severities, timestamps (read back from the
// bytes the client sent), a key=value operator after the parser, and lines
// over max_octets (sent on unparsed, with the reason logged).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpSink } from './support/otlp-sink.js';
import { freePort } from './support/ports.js';
import { startTsunagi, type TsunagiProcess, waitFor } from './support/tsunagi-process.js';

const run = promisify(execFile);
const LOGGER = ['/usr/bin/logger', '/bin/logger'].find(existsSync);
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find(existsSync);
if (!LOGGER)
  console.warn(
    '\n*** util-linux logger is not installed (Debian: bsdutils): its syslog tests are SKIPPED ***\n',
  );
if (!RSYSLOGD)
  console.warn(
    '\n*** rsyslogd is not installed (Debian: rsyslog): the rsyslog forwarding test is SKIPPED ***\n',
  );

interface Rec {
  body: string;
  attributes: Record<string, unknown>;
  time: bigint;
  severity: number;
  severityText: string;
}

function plain(v: any): unknown {
  if (v == null) return undefined;
  if (v.stringValue !== undefined && v.stringValue !== '') return v.stringValue;
  if (v.intValue !== undefined && v.intValue !== '0') return Number(v.intValue);
  if (v.kvlistValue)
    return Object.fromEntries(v.kvlistValue.values.map((kv: any) => [kv.key, plain(kv.value)]));
  if (v.arrayValue) return v.arrayValue.values.map(plain);
  if (v.boolValue) return true;
  if (v.stringValue === '') return '';
  if (v.intValue === '0') return 0;
  return undefined;
}

let sink: OtlpSink;
let tsunagi: TsunagiProcess;
const ports: Record<string, number> = {};

function records(): Rec[] {
  return sink.requests.logs.flatMap((req) =>
    req.resourceLogs.flatMap((rl: any) =>
      rl.scopeLogs.flatMap((sl: any) =>
        sl.logRecords.map((r: any) => ({
          body: plain(r.body) as string,
          attributes: Object.fromEntries(r.attributes.map((kv: any) => [kv.key, plain(kv.value)])),
          time: BigInt(r.timeUnixNano),
          severity: r.severityNumber,
          severityText: r.severityText,
        })),
      ),
    ),
  );
}

/** Waits for the record whose body includes `marker`. */
async function recordWith(marker: string): Promise<Rec> {
  let found: Rec | undefined;
  await waitFor(() => {
    found = records().find((r) => r.body.includes(marker));
    return found !== undefined;
  }, `a record with "${marker}"`);
  return found as Rec;
}

/** Unix nanos of an RFC 3339 timestamp, computed here independently of Tsunagi's parser. */
function rfc3339Nanos(ts: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))$/.exec(ts);
  if (!m) throw new Error(`not RFC 3339: ${ts}`);
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (m[9]) ms -= (m[9] === '+' ? 1 : -1) * (+m[10] * 60 + +m[11]) * 60_000;
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

const logger = (args: string[]) =>
  run(LOGGER as string, args, { env: { ...process.env, TZ: 'UTC' } }).then(() => undefined);

beforeAll(async () => {
  sink = await new OtlpSink().start();
  for (const k of ['octet', 'lf', 'udp3164', 'tcp3164', 'rsyslog']) ports[k] = await freePort();
  tsunagi = await startTsunagi(`
receivers:
  syslog/octet:
    tcp: { listen_address: 127.0.0.1:${ports.octet} }
    protocol: rfc5424
    enable_octet_counting: true
  syslog/lf:
    tcp: { listen_address: 127.0.0.1:${ports.lf} }
    protocol: rfc5424
  syslog/udp3164:
    udp: { listen_address: 127.0.0.1:${ports.udp3164} }
    protocol: rfc3164
    location: UTC
    operators:
      - type: key_value_parser
        if: 'attributes.appname == "fw"'
        parse_from: attributes.message
        parse_to: attributes.fw
  syslog/tcp3164:
    tcp: { listen_address: 127.0.0.1:${ports.tcp3164} }
    protocol: rfc3164
  syslog/rsyslog:
    tcp: { listen_address: 127.0.0.1:${ports.rsyslog} }
    protocol: rfc5424
    enable_octet_counting: true
    attributes: { via: rsyslog }
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:${sink.httpPort}
    compression: none
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    logs:
      receivers: [syslog/octet, syslog/lf, syslog/udp3164, syslog/tcp3164, syslog/rsyslog]
      exporters: [otlp_http]
`);
});

afterAll(async () => {
  await tsunagi?.stop();
  await sink?.stop();
});

describe.skipIf(!LOGGER)('util-linux logger → Tsunagi', () => {
  it('RFC 5424 over TCP with octet counting: structured data, non-ASCII, msgid, procid, severity', async () => {
    await logger([
      '--rfc5424',
      '--tcp',
      '--octet-count',
      '-n',
      '127.0.0.1',
      '-P',
      String(ports.octet),
      '-t',
      'myapp',
      '--id=4242',
      '--msgid',
      'ID7',
      '--sd-id',
      'zoo@123',
      '--sd-param',
      'tiger="hungry"',
      '--sd-param',
      'note="a \\"quoted\\" \\]bracket"',
      '-p',
      'local3.warning',
      'héllo wörld ✓ marker-5424-octet',
    ]);
    const r = await recordWith('marker-5424-octet');
    const frame = /^(\d+) (<156>1 (\S+) .*)$/s.exec(r.body);
    expect(frame, r.body).not.toBeNull();
    expect(Buffer.byteLength(frame?.[2] ?? '')).toBe(Number(frame?.[1]));
    expect(r.time).toBe(rfc3339Nanos(frame?.[3] ?? ''));
    expect([r.severity, r.severityText]).toEqual([13, 'warning']);
    expect(r.attributes).toEqual({
      appname: 'myapp',
      hostname: hostname(),
      proc_id: '4242',
      msg_id: 'ID7',
      message: 'héllo wörld ✓ marker-5424-octet',
      priority: 156,
      facility: 19,
      facility_text: 'local3',
      version: 1,
      structured_data: {
        timeQuality: { tzKnown: '1', isSynced: expect.stringMatching(/^[01]$/) },
        'zoo@123': { tiger: 'hungry', note: 'a "quoted" ]bracket' },
      },
    });
  });

  it('RFC 5424 over TCP with LF framing', async () => {
    await logger([
      '--rfc5424=notq',
      '--tcp',
      '-n',
      '127.0.0.1',
      '-P',
      String(ports.lf),
      '-t',
      'lfapp',
      '-p',
      'user.err',
      'marker-5424-lf',
    ]);
    const r = await recordWith('marker-5424-lf');
    expect(r.body).toMatch(/^<11>1 \S+ /);
    expect(r.time).toBe(rfc3339Nanos(r.body.split(' ')[1]));
    expect([r.severity, r.severityText]).toEqual([17, 'err']);
    expect(r.attributes).toEqual({
      appname: 'lfapp',
      hostname: hostname(),
      message: 'marker-5424-lf',
      priority: 11,
      facility: 1,
      facility_text: 'user',
      version: 1,
    });
  });

  it('RFC 3164 over UDP, a key=value operator after the parser, and over TCP', async () => {
    await logger([
      '--rfc3164',
      '--udp',
      '-n',
      '127.0.0.1',
      '-P',
      String(ports.udp3164),
      '-t',
      'fw',
      '--id=99',
      '-p',
      'auth.crit',
      'action=block src=10.0.0.1 dst=8.8.8.8 note=marker-3164-udp',
    ]);
    const r = await recordWith('marker-3164-udp');
    const stamp = /^<34>(\w{3} [ \d]\d \d\d:\d\d:\d\d) /.exec(r.body);
    expect(stamp, r.body).not.toBeNull();
    // the stamp has no year: this year, or last year if that would put it more than 7 days ahead
    const now = new Date();
    let ms = Date.parse(`${stamp?.[1]} ${now.getUTCFullYear()} UTC`);
    if (ms > Date.now() + 7 * 86_400_000) ms = Date.parse(`${stamp?.[1]} ${now.getUTCFullYear() - 1} UTC`);
    expect(r.time).toBe(BigInt(ms) * 1_000_000n);
    expect([r.severity, r.severityText]).toEqual([18, 'crit']);
    expect(r.attributes).toEqual({
      appname: 'fw',
      hostname: hostname(),
      proc_id: '99',
      message: 'action=block src=10.0.0.1 dst=8.8.8.8 note=marker-3164-udp',
      priority: 34,
      facility: 4,
      facility_text: 'auth',
      fw: { action: 'block', src: '10.0.0.1', dst: '8.8.8.8', note: 'marker-3164-udp' },
    });
    await logger([
      '--rfc3164',
      '--tcp',
      '-n',
      '127.0.0.1',
      '-P',
      String(ports.tcp3164),
      '-t',
      'cron',
      'marker-3164-tcp ✓',
    ]);
    const t = await recordWith('marker-3164-tcp');
    expect(t.attributes).toMatchObject({
      appname: 'cron',
      hostname: hostname(),
      message: 'marker-3164-tcp ✓',
      priority: 13,
    });
    expect([t.severity, t.severityText]).toEqual([10, 'notice']);
  });

  it('a message over max_octets goes on unparsed, and the reason is logged', async () => {
    const long = `marker-too-long ${'x'.repeat(9000)}`;
    await logger([
      '--rfc5424',
      '--tcp',
      '--octet-count',
      '--size',
      '20000',
      '-n',
      '127.0.0.1',
      '-P',
      String(ports.octet),
      '-t',
      'big',
      long,
    ]);
    const r = await recordWith('marker-too-long');
    expect(r.body).toMatch(/^\d+ <13>1 /);
    expect(r.body.endsWith(long)).toBe(true);
    expect(r.attributes).toEqual({});
    expect([r.severity, r.time]).toEqual([0, 0n]);
    await waitFor(() => /exceeds maximum length \(8192\)/.test(tsunagi.stderr()), 'the reason in the log');
  });
});

describe.skipIf(!RSYSLOGD)('rsyslog (imtcp → omfwd, octet-counted) → Tsunagi', () => {
  let dir = '';
  let inPort = 0;
  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rsyslog-'));
    inPort = await freePort();
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" port="${inPort}" address="127.0.0.1")
action(type="omfwd" target="127.0.0.1" port="${ports.rsyslog}" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
`,
    );
    // -n: foreground; -f: this config only (no imuxsock, no system log files); -i: our pid file
    child = spawn(
      RSYSLOGD as string,
      ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    await waitFor(
      () => existsSync(join(dir, 'rsyslogd.pid')) || child?.exitCode !== null,
      'rsyslogd to start',
    );
    if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${err}`);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  async function sendToRsyslog(lines: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          const s = net.connect(inPort, '127.0.0.1', () =>
            s.end(Buffer.from(lines.map((l) => `${l}\n`).join(''))),
          );
          s.once('error', reject);
          s.once('close', () => resolve());
        });
        return;
      } catch (err) {
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  const RS_5424 =
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 123 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"x\\]"][meta sequenceId="7"] Bärger ✓ marker-rs-5424';

  it('forwards RFC 5424 with structured data and non-ASCII, RFC 3164, and a line over max_octets', async () => {
    const long = `marker-rs-long ${'y'.repeat(9000)}`;
    await sendToRsyslog([
      RS_5424,
      '<34>Oct 11 22:14:15 mymachine su: marker-rs-3164 su root failed',
      `<13>1 2024-05-01T00:00:00Z h app - - - ${long}`,
    ]);
    const a = await recordWith('marker-rs-5424');
    // rsyslog's frame length counts its template's trailing LF; the body is the frame, trimmed
    expect(a.body).toBe(`${Buffer.byteLength(`${RS_5424}\n`)} ${RS_5424}`);
    expect(a.time).toBe(1065910455003000000n);
    expect([a.severity, a.severityText]).toEqual([10, 'notice']);
    expect(a.attributes).toEqual({
      via: 'rsyslog',
      appname: 'evntslog',
      hostname: 'mymachine.example.com',
      proc_id: '123',
      msg_id: 'ID47',
      message: 'Bärger ✓ marker-rs-5424',
      priority: 165,
      facility: 20,
      facility_text: 'local4',
      version: 1,
      structured_data: {
        'exampleSDID@32473': { iut: '3', eventSource: 'App"x]' },
        meta: { sequenceId: '7' },
      },
    });
    const b = await recordWith('marker-rs-3164');
    // rsyslog re-emits the BSD line as RFC 5424 (its MSG keeps the space after "su:")
    expect(b.attributes).toMatchObject({
      via: 'rsyslog',
      hostname: 'mymachine',
      appname: 'su',
      message: ' marker-rs-3164 su root failed',
      priority: 34,
    });
    expect(b.time).toBe(rfc3339Nanos(b.body.split(' ')[2]));
    const c = await recordWith('marker-rs-long');
    expect(c.attributes).toEqual({ via: 'rsyslog' });
    expect(c.body.endsWith(long)).toBe(true);
    expect(records().filter((r) => r.attributes.via === 'rsyslog')).toHaveLength(3);
  });
});
