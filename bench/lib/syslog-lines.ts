// Benchmark syslog traffic: RFC 5424 lines as a firewall sends them
// (structured data, key=value message), and the same records as an OTLP
// logs request (what the syslog receiver makes of them), so both paths move
// the same items.

import type { LogsData } from '../../src/pdata/types.js';
import { newEntry } from '../../src/stanza/entry.js';
import { buildPipeline, operatorsSchema } from '../../src/stanza/pipeline.js';
import { entriesToLogs } from '../../src/stanza/to-pdata.js';
import { silentLogger } from '../../src/telemetry/logger.js';

/** Line `i`: a firewall's RFC 5424 message; as in a real stream, about 500 lines share each second. */
export function syslogLine(i: number): string {
  const t = Math.floor(i / 500);
  const sec = String(t % 60).padStart(2, '0');
  const min = String(Math.floor(t / 60) % 60).padStart(2, '0');
  const us = String(1_000_000 + ((i * 1997) % 1_000_000)).slice(1);
  return (
    `<134>1 2024-05-01T12:${min}:${sec}.${us}Z fw${i % 8}.example.com filterlog ${4000 + (i % 100)} - ` +
    `[meta sequenceId="${i}"] action=${i % 3 ? 'pass' : 'block'} proto=tcp src=10.1.${i % 250}.${i % 200} ` +
    `dst=8.8.${i % 8}.8 sport=${40000 + (i % 20000)} dport=443 len=60 rule=${i % 40}`
  );
}

/** `n` octet-counted frames (RFC 6587) in one buffer. */
export function octetFrames(n: number, offset = 0): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = syslogLine(offset + i);
    parts.push(`${Buffer.byteLength(m)} ${m}`);
  }
  return Buffer.from(parts.join(''));
}

/** The records the syslog receiver makes of lines offset..offset+n (octet-counted bodies), as LogsData. */
export function syslogAsLogs(n: number, offset = 0): LogsData {
  const out: ReturnType<typeof newEntry>[] = [];
  const cfgs = operatorsSchema.parse([
    { type: 'syslog_parser', protocol: 'rfc5424', enable_octet_counting: true },
  ]);
  const p = buildPipeline(cfgs, { logger: silentLogger(), onOperatorError: () => {} }, (e) => out.push(e));
  const observed = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < n; i++) {
    const m = syslogLine(offset + i);
    p.process(newEntry(`${Buffer.byteLength(m)} ${m}`, observed));
  }
  return entriesToLogs(out, {});
}
