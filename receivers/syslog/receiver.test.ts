// The syslog receiver in process: every framing over TCP, UDP, TLS,
// add_attributes, the operators chain (firewall key=value and CSV lines),
// encodings, backpressure (a connection stops reading while two batches
// await the pipeline), bad frames closing one connection only, UDP queue
// drops counted, retry_on_failure, and shutdown draining.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { permanentError, retryableError } from '../../src/component/errors.js';
import { counterValue, octet, type Started, sendTcp, sendUdp, startSyslog, until } from './testutil.js';

const SECURE_AUTH =
  '<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [SecureAuth@27389 UserHostAddress="192.168.2.132" Realm="SecureAuth0" UserID="Tester2" PEN="27389"] Found the user for retrieving user\'s profile';
const T_2015 = 1438811939693000000n;
/** RFC 5424 lines need a timestamp: a "-" fails the parser's time step, as in the collector (tested in syslog-parser.test.ts). */
const TS = '2024-01-01T00:00:00Z';

const running: Started[] = [];
async function start(cfg: Record<string, unknown>): Promise<Started> {
  const s = await startSyslog(cfg);
  running.push(s);
  return s;
}
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => {});
});
const tcp = (extra: Record<string, unknown> = {}) => ({ listen_address: '127.0.0.1:0', ...extra });

describe('syslog receiver over TCP', () => {
  it('RFC 5424 with octet counting: several frames per write and frames split across writes', async () => {
    const s = await start({ tcp: tcp(), protocol: 'rfc5424', enable_octet_counting: true });
    const msgs = [
      SECURE_AUTH,
      '<14>1 2024-03-01T10:00:00.5+02:00 web nginx 77 - - ünïcödé ✓',
      `<11>1 ${TS} - - - - -`,
    ];
    const stream = msgs.map(octet).join('');
    await sendTcp(s.port, [stream.slice(0, 10), stream.slice(10, 200), stream.slice(200)]);
    await until(() => s.recs().length === 3, '3 records');
    const [a, b, c] = s.recs();
    expect(a.body).toBe(octet(SECURE_AUTH));
    expect(a.time).toBe(T_2015);
    expect([a.severity, a.severityText]).toEqual([9, 'info']);
    expect(a.attributes).toMatchObject({
      appname: 'SecureAuth0',
      proc_id: '23108',
      msg_id: 'ID52020',
      version: 1,
    });
    expect(b.attributes).toMatchObject({
      hostname: 'web',
      appname: 'nginx',
      proc_id: '77',
      message: 'ünïcödé ✓',
    });
    expect(b.time).toBe(BigInt(Date.UTC(2024, 2, 1, 8, 0, 0, 500)) * 1_000_000n);
    expect([b.severity, b.severityText]).toEqual([9, 'info']);
    expect(c.severityText).toBe('err');
    expect(c.observed).toBeGreaterThan(0n);
  });

  it('a frame over max_octets is a parse error (record sent unparsed); over max_log_size it closes that connection only', async () => {
    const s = await start({
      tcp: tcp({ max_log_size: '64KiB' }),
      protocol: 'rfc5424',
      enable_octet_counting: true,
      max_octets: 100,
    });
    const long = `<14>1 ${TS} h app - - - ${'x'.repeat(200)}`;
    await sendTcp(s.port, octet(long) + octet(`<14>1 ${TS} h app - - - after`));
    await until(() => s.recs().length === 2, '2 records');
    expect(s.recs()[0].body).toBe(octet(long));
    expect(s.recs()[0].attributes).toEqual({});
    expect(s.recs()[1].attributes.message).toBe('after');
    expect(await counterValue(s.metrics, 'tsunagi_stanza_operator_errors_total')).toBe(1);
    // a connection that announces a frame larger than max_log_size is closed; another goes on
    const bad = net.connect(s.port, '127.0.0.1');
    const closed = new Promise<void>((r) => bad.once('close', () => r()));
    bad.on('error', () => {});
    bad.write(`${octet(`<14>1 ${TS} h app - - - before`)}70000 <14>1 - h`);
    await sendTcp(s.port, octet(`<14>1 ${TS} h app - - - other connection`));
    await closed;
    await until(() => s.recs().length === 4, '2 more records');
    expect(s.recs().map((r) => r.attributes.message)).toEqual(
      expect.arrayContaining(['before', 'other connection']),
    );
    expect(await counterValue(s.metrics, 'tsunagi_syslog_tcp_bad_frames_total')).toBe(1);
    expect(s.logs.map((l) => l.fields.err)).toContain(
      'a frame of 70000 octets does not fit max_log_size (65536 bytes)',
    );
  });

  it('a malformed octet count closes the connection; what came before is delivered', async () => {
    const s = await start({ tcp: tcp(), protocol: 'rfc5424', enable_octet_counting: true });
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write(`${octet(`<14>1 ${TS} h a - - - ok`)}<14>1 ${TS} h a - - - no count`);
    await closed;
    await until(() => s.recs().length === 1, 'the good frame');
    expect(s.recs()[0].attributes.message).toBe('ok');
    expect(s.logs).toContainEqual({
      level: 'warn',
      msg: 'malformed syslog frame; closing the connection (frames before it are kept)',
      fields: expect.objectContaining({ err: 'expected an octet count (RFC 6587), got byte 0x3c' }),
    });
  });

  it('non-transparent framing: LF (CRLF too) and NUL trailers; the last line without a trailer at close', async () => {
    const lf = await start({ tcp: tcp(), protocol: 'rfc5424' });
    await sendTcp(
      lf.port,
      `<14>1 ${TS} h a - - - one\r\n<14>1 ${TS} h a - - - two\n<14>1 ${TS} h a - - - three`,
    );
    await until(() => lf.recs().length === 3, '3 LF records');
    expect(lf.recs().map((r) => r.attributes.message)).toEqual(['one', 'two', 'three']);
    const nul = await start({ tcp: tcp(), protocol: 'rfc5424', non_transparent_framing_trailer: 'NUL' });
    await sendTcp(nul.port, `<14>1 ${TS} h a - - - line one\nline two\0<14>1 ${TS} h a - - - b\0`);
    await until(() => nul.recs().length === 2, '2 NUL records');
    expect(nul.recs().map((r) => r.attributes.message)).toEqual(['line one\nline two', 'b']);
  });

  it('a line longer than max_log_size closes the connection (the collector’s scanner error)', async () => {
    const s = await start({ tcp: tcp({ max_log_size: 65536 }), protocol: 'rfc3164' });
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write(`<34>Oct 11 22:14:15 host app: short\n<34>Oct 11 22:14:15 host app: ${'y'.repeat(70000)}`);
    await closed;
    await until(() => s.recs().length === 1, 'the short line');
    expect(s.recs()[0].attributes).toMatchObject({ hostname: 'host', appname: 'app', message: 'short' });
  });

  it('RFC 3164 with location, whitespace trimming and its preserve flags', async () => {
    const s = await start({ tcp: tcp(), protocol: 'rfc3164', location: 'America/New_York' });
    await sendTcp(s.port, '  <13>Jan 10 06:30:00 fw01 kernel: dropped  \n');
    await until(() => s.recs().length === 1, 'record');
    const r = s.recs()[0];
    expect(r.body).toBe('<13>Jan 10 06:30:00 fw01 kernel: dropped');
    const y = new Date().getUTCFullYear();
    const cand = Date.UTC(y, 0, 10, 11, 30); // 06:30 EST = 11:30 UTC
    const want = cand > Date.now() + 7 * 86_400_000 ? Date.UTC(y - 1, 0, 10, 11, 30) : cand;
    expect(r.time).toBe(BigInt(want) * 1_000_000n);
    expect([r.severity, r.severityText]).toEqual([10, 'notice']);
    const keep = await start({
      tcp: tcp({ preserve_leading_whitespaces: true, preserve_trailing_whitespaces: true }),
      protocol: 'rfc3164',
    });
    await sendTcp(keep.port, '<13>Jan 10 06:30:00 fw01 kernel: dropped  \n');
    await until(() => keep.recs().length === 1, 'record');
    expect(keep.recs()[0].attributes.message).toBe('dropped  ');
  });

  it('multiline line_start_pattern joins continuation lines (flushed at close)', async () => {
    const s = await start({
      tcp: tcp({ multiline: { line_start_pattern: '^<\\d+>' } }),
      protocol: 'rfc5424',
    });
    await sendTcp(s.port, `<14>1 ${TS} h a - - - trace:\n  at x\n  at y\n<14>1 ${TS} h a - - - next\n`);
    await until(() => s.recs().length === 2, '2 records');
    expect(s.recs().map((r) => r.attributes.message)).toEqual(['trace:\n  at x\n  at y', 'next']);
  });

  it('one_log_per_packet: the whole connection is one record, untrimmed', async () => {
    const s = await start({ tcp: tcp({ one_log_per_packet: true }), protocol: 'rfc5424' });
    await sendTcp(s.port, [`<14>1 ${TS} h a - - - part one\n`, 'part two']);
    await until(() => s.recs().length === 1, 'record');
    expect(s.recs()[0].attributes.message).toBe('part one\npart two');
  });

  it('encoding utf-16le: lines split on the encoded newline and decoded', async () => {
    const s = await start({ tcp: tcp({ encoding: 'utf-16le' }), protocol: 'rfc5424' });
    await sendTcp(s.port, Buffer.from(`<14>1 ${TS} h a - - - größe\n<14>1 ${TS} h a - - - 二\n`, 'utf16le'));
    await until(() => s.recs().length === 2, '2 records');
    expect(s.recs().map((r) => r.attributes.message)).toEqual(['größe', '二']);
  });

  it('add_attributes, attributes and resource', async () => {
    const s = await start({
      tcp: tcp({ add_attributes: true }),
      protocol: 'rfc5424',
      attributes: { site: 'dc1' },
      resource: { 'service.name': 'firewalls' },
    });
    await sendTcp(s.port, `<14>1 ${TS} h a - - - x\n`);
    await until(() => s.recs().length === 1, 'record');
    const r = s.recs()[0];
    expect(r.resource).toEqual({ 'service.name': 'firewalls' });
    expect(r.attributes).toMatchObject({
      site: 'dc1',
      'net.transport': 'IP.TCP',
      'net.peer.ip': '127.0.0.1',
      'net.host.ip': '127.0.0.1',
      'net.host.port': String(s.port),
    });
    expect(Number(r.attributes['net.peer.port'])).toBeGreaterThan(0);
    expect(typeof r.attributes['net.peer.name']).toBe('string');
  });

  it('operators after the syslog parser: key=value firewall logs and CSV appliance logs become fields', async () => {
    const s = await start({
      tcp: tcp(),
      protocol: 'rfc3164',
      operators: [
        { type: 'router', routes: [{ expr: 'attributes.appname == "pan"', output: 'csv' }], default: 'kv' },
        {
          type: 'key_value_parser',
          id: 'kv',
          parse_from: 'attributes.message',
          parse_to: 'attributes.fw',
          output: 'done',
        },
        {
          type: 'csv_parser',
          id: 'csv',
          parse_from: 'attributes.message',
          parse_to: 'attributes.pan',
          header: 'type,src,dst,action',
          output: 'done',
        },
        { type: 'noop', id: 'done' },
      ],
    });
    await sendTcp(
      s.port,
      '<134>Mar  1 10:00:00 fw01 filterlog: action=block src=10.0.0.1 dst="8.8.8.8" proto=udp\n' +
        '<134>Mar  1 10:00:01 fw02 pan: TRAFFIC,10.0.0.2,1.1.1.1,allow\n',
    );
    await until(() => s.recs().length === 2, '2 records');
    const [kv, csv] = s.recs();
    expect(kv.attributes.fw).toEqual({ action: 'block', src: '10.0.0.1', dst: '8.8.8.8', proto: 'udp' });
    expect(csv.attributes.pan).toEqual({ type: 'TRAFFIC', src: '10.0.0.2', dst: '1.1.1.1', action: 'allow' });
    expect(csv.attributes.hostname).toBe('fw02');
  });

  it('on_error drop discards what does not parse; send passes it on unparsed', async () => {
    const drop = await start({ tcp: tcp(), protocol: 'rfc5424', on_error: 'drop' });
    await sendTcp(drop.port, `not syslog\n<14>1 ${TS} h a - - - ok\n`);
    await until(() => drop.recs().length === 1, 'record');
    expect(drop.recs()[0].attributes.message).toBe('ok');
    const send = await start({ tcp: tcp(), protocol: 'rfc5424' });
    await sendTcp(send.port, 'not syslog\n');
    await until(() => send.recs().length === 1, 'record');
    expect(send.recs()[0]).toMatchObject({ body: 'not syslog', attributes: {}, severity: 0 });
  });

  it('backpressure: a connection stops reading while two batches await the pipeline, and loses nothing', async () => {
    const s = await start({ tcp: tcp(), protocol: 'rfc5424', enable_octet_counting: true });
    s.sink.hold();
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const line = octet(`<14>1 ${TS} h a - - - ${'p'.repeat(1000)}`);
    const total = 20_000; // ~20 MB: far more than socket buffers hold
    let written = 0;
    let blocked = false;
    // write until the kernel buffers are full and write() reports backpressure
    while (written < total) {
      written++;
      if (!sock.write(line)) {
        blocked = true;
        break;
      }
    }
    expect(blocked).toBe(true);
    await until(() => s.sink.calls >= 2, 'two batches in flight');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.sink.calls).toBe(2); // no third batch while two are pending: the socket is paused
    s.sink.open();
    const rest = async () => {
      while (written < total) {
        written++;
        if (!sock.write(line)) await new Promise((r) => sock.once('drain', r));
      }
      sock.end();
    };
    await rest();
    await until(() => s.recs().length === total, `${total} records`, 20_000);
    expect(new Set(s.recs().map((r) => r.attributes.message)).size).toBe(1);
  });

  it('retry_on_failure: a retryable refusal is retried; throttling is always waited out; disabled, a failure is dropped and counted', async () => {
    const retry = await start({
      tcp: tcp(),
      protocol: 'rfc5424',
      retry_on_failure: { enabled: true, initial_interval: '10ms', max_interval: '20ms' },
    });
    retry.sink.failWith = retryableError('busy');
    await sendTcp(retry.port, `<14>1 ${TS} h a - - - kept\n`);
    await until(() => retry.sink.calls >= 3, 'retries');
    retry.sink.failWith = undefined;
    await until(() => retry.recs().length === 1, 'accepted after retries');
    // a throttled refusal (memory_limiter, a full queue) is backpressure: retried even with retry disabled
    const busy = await start({ tcp: tcp(), protocol: 'rfc5424' });
    busy.sink.failWith = retryableError('queue is full', { throttled: true, retryAfterMs: 10 });
    await sendTcp(busy.port, `<14>1 ${TS} h a - - - waited\n`);
    await until(() => busy.sink.calls >= 3, 'throttled retries');
    busy.sink.failWith = undefined;
    await until(() => busy.recs().length === 1, 'accepted once the pipeline takes it');
    const plain = await start({ tcp: tcp(), protocol: 'rfc5424' });
    plain.sink.failWith = permanentError('bad');
    await sendTcp(plain.port, `<14>1 ${TS} h a - - - lost\n`);
    await until(() => plain.sink.calls === 1, 'one attempt');
    await until(() => plain.recs().length === 0, 'nothing');
    expect(await counterValue(plain.metrics, 'otelcol_receiver_refused_log_records_total')).toBe(1);
  });
});

describe('syslog receiver shutdown', () => {
  it('ends retries: a batch being retried gets one last attempt, then is counted refused', async () => {
    const s = await startSyslog({
      tcp: tcp(),
      protocol: 'rfc5424',
      retry_on_failure: { enabled: true, initial_interval: '1h', max_elapsed_time: 0 },
    });
    s.sink.failWith = retryableError('backend down');
    await sendTcp(s.port, `<14>1 ${TS} h a - - - during an outage\n`);
    await until(() => s.sink.calls === 1, 'the first attempt');
    await s.stop(); // would wait an hour if the retry went on
    expect(s.sink.calls).toBe(2);
    expect(await counterValue(s.metrics, 'otelcol_receiver_refused_log_records_total')).toBe(1);
  });
});

describe('syslog receiver over TLS', () => {
  it('reads octet-counted syslog over TLS; a plain-text client is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syslog-tls-'));
    const crt = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        ...'-x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost'.split(
          ' ',
        ),
        '-keyout',
        key,
        '-out',
        crt,
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const s = await start({
      tcp: tcp({ tls: { cert_file: crt, key_file: key } }),
      protocol: 'rfc5424',
      enable_octet_counting: true,
    });
    const { readFileSync } = await import('node:fs');
    const sock = tls.connect({ port: s.port, host: '127.0.0.1', ca: readFileSync(crt) });
    await new Promise<void>((r, j) => {
      sock.once('secureConnect', () => r());
      sock.once('error', j);
    });
    sock.end(octet(SECURE_AUTH));
    await until(() => s.recs().length === 1, 'TLS record');
    expect(s.recs()[0].time).toBe(T_2015);
    const plain = net.connect(s.port, '127.0.0.1');
    plain.on('error', () => {});
    const closed = new Promise<void>((r) => plain.once('close', () => r()));
    plain.write(octet(SECURE_AUTH));
    await closed;
    expect(s.recs()).toHaveLength(1);
  });
});

describe('syslog receiver over UDP', () => {
  it('one record per datagram; trailing control characters removed; add_attributes', async () => {
    const s = await start({
      udp: { listen_address: '127.0.0.1:0', add_attributes: true },
      protocol: 'rfc3164',
    });
    await sendUdp(s.port, [
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n\0",
      '<13>Oct 11 22:14:16 host app[42]: second',
    ]);
    await until(() => s.recs().length === 2, '2 records');
    const [a, b] = s.recs();
    expect(a.attributes).toMatchObject({
      hostname: 'mymachine',
      appname: 'su',
      message: "'su root' failed",
      priority: 34,
      'net.transport': 'IP.UDP',
      'net.peer.ip': '127.0.0.1',
      'net.host.port': String(s.port),
    });
    expect(b.attributes).toMatchObject({ appname: 'app', proc_id: '42', message: 'second' });
  });

  it('a full queue drops datagrams: counted in the metric', async () => {
    const s = await start({
      udp: { listen_address: '127.0.0.1:0', async: { processors: 1, max_queue_length: 5 } },
      protocol: 'rfc5424',
    });
    s.sink.hold();
    await sendUdp(s.port, [`<14>1 ${TS} h a - - - first`]);
    await until(() => s.sink.calls === 1, 'first batch in flight');
    await sendUdp(
      s.port,
      Array.from({ length: 20 }, (_, i) => `<14>1 ${TS} h a - - - m${i}`),
    );
    await until(() => s.rx.udpDropped() === 15, '15 drops');
    expect(await counterValue(s.metrics, 'tsunagi_syslog_udp_dropped_datagrams_total')).toBe(15);
    // logged too, once for the burst (the rest are counted as suppressed in the next line)
    expect(s.logs.filter((l) => l.msg.startsWith('syslog UDP queue full'))).toHaveLength(1);
    s.sink.open();
    await until(() => s.recs().length === 6, '6 records');
  });

  it('multiline splits within a datagram', async () => {
    const s = await start({
      udp: { listen_address: '127.0.0.1:0', multiline: { line_end_pattern: '\\n' } },
      protocol: 'rfc5424',
    });
    await sendUdp(s.port, [`<14>1 ${TS} h a - - - one\n<14>1 ${TS} h a - - - two`]);
    await until(() => s.recs().length === 2, '2 records');
    expect(s.recs().map((r) => r.attributes.message)).toEqual(['one', 'two']);
  });
});
