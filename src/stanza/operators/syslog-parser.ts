// syslog_parser: RFC 5424 or RFC 3164 text → the collector's fields
// (appname, hostname, proc_id, msg_id, message, structured_data, version,
// priority, facility, facility_text) at parse_to; the syslog severity sets the
// entry's severity (emerg → FATAL … debug → DEBUG, text "emerg" … "debug");
// the message timestamp becomes the entry timestamp. The flow is the
// collector's (pkg/stanza/operator/parser/syslog): parse, set parse_to, body,
// then the time step (by default reading attributes.timestamp as a "native"
// time; an RFC 3164 stamp gets this year, or last year if that is more than 7
// days ahead), then severity/trace/scope blocks, then the syslog step, which
// moves attributes.severity onto the entry and deletes attributes.timestamp.
// A failing step sends the entry on as it is at that point (on_error), e.g.
// an RFC 5424 "-" timestamp fails the time step and leaves `severity` in the
// attributes, as in the collector.
import { z } from 'zod';
import { type Entry, isMap } from '../entry.js';
import { EntryError } from '../entry-error.js';
import { deleteField, getField, parseField, setField } from '../field.js';
import type { OperatorDef } from '../operator.js';
import { type ParserConfig, ParserOperator, parserKeys, refineParserKeys } from '../parser.js';
import { type Direct, SEVERITY_NUMBER, SEVERITY_TEXT, SyslogError, SyslogTime } from '../syslog/common.js';
import { DEFAULT_MAX_OCTETS, lastNonTransparent, lastOctetFrame } from '../syslog/framing.js';
import { completeYear, parseRfc3164 } from '../syslog/rfc3164.js';
import { parseRfc5424 } from '../syslog/rfc5424.js';
import { isKnownZone } from '../time.js';
import { goTypeName } from './regex-replace.js';

/** The syslog keys, shared with the syslog receiver (syslog.BaseConfig in the collector). */
export const syslogKeys = {
  protocol: z.string({ message: "missing field 'protocol'" }).transform((p) => p.toLowerCase()),
  location: z.string().default('UTC'),
  enable_octet_counting: z.boolean().default(false),
  allow_skip_pri_header: z.boolean().default(false),
  non_transparent_framing_trailer: z.string().optional(),
  max_octets: z.number().int().min(0).default(0),
};

export interface SyslogKeys {
  protocol: string;
  location: string;
  enable_octet_counting: boolean;
  allow_skip_pri_header: boolean;
  non_transparent_framing_trailer?: string;
  max_octets: number;
}

/** The collector's checks of the syslog keys (syslog parser Config.Build). */
export function checkSyslogKeys(c: SyslogKeys, addIssue: (message: string, path: string) => void): void {
  const nt = c.non_transparent_framing_trailer;
  if (c.protocol !== 'rfc5424' && c.protocol !== 'rfc3164')
    addIssue(`unsupported protocol version: ${c.protocol} (rfc3164 or rfc5424)`, 'protocol');
  else if (c.protocol !== 'rfc5424' && (nt !== undefined || c.enable_octet_counting))
    addIssue(
      'octet_counting and non_transparent_framing are only compatible with protocol rfc5424',
      'protocol',
    );
  else if (nt !== undefined && c.enable_octet_counting)
    addIssue('only one of octet_counting or non_transparent_framing can be enabled', 'enable_octet_counting');
  else if (nt !== undefined && nt !== 'LF' && nt !== 'NUL')
    addIssue(
      `invalid non_transparent_framing_trailer '${nt}'. Must be either 'LF' or 'NUL'`,
      'non_transparent_framing_trailer',
    );
  if (!isKnownZone(c.location))
    addIssue(`failed to load location ${c.location}: unknown time zone`, 'location');
}

const schema = z
  .strictObject({ ...parserKeys, type: z.literal('syslog_parser'), ...syslogKeys })
  .superRefine((c, ctx) =>
    checkSyslogKeys(c, (message, p) => ctx.addIssue({ code: 'custom', message, path: [p] })),
  );

export type SyslogParserConfig = ParserConfig &
  SyslogKeys & {
    /** Set by the syslog receiver (not a YAML key): its frames are whole, so a short one only lost trimmed whitespace. */
    framesComplete?: boolean;
  };

const PRI_ANYWHERE = /<\d{1,3}>/;
const ATTR_TIMESTAMP = parseField('attributes.timestamp');
const ATTR_SEVERITY = parseField('attributes.severity');

export class SyslogParser extends ParserOperator {
  private readonly maxOctets: number;
  private readonly trailer?: string;
  /**
   * parse_to is the attributes and no block is configured: the time and
   * syslog steps would only move timestamp and severity out of the map they
   * were just put in, so they are set on the entry directly (same result,
   * without deleting keys from the attribute map, which costs its encoder).
   */
  private readonly direct: boolean;
  constructor(
    private readonly cfg: SyslogParserConfig,
    ctx: ConstructorParameters<typeof ParserOperator>[1],
  ) {
    super(cfg, ctx);
    this.maxOctets = cfg.max_octets > 0 ? cfg.max_octets : DEFAULT_MAX_OCTETS;
    const nt = cfg.non_transparent_framing_trailer;
    if (nt !== undefined) this.trailer = nt === 'NUL' ? '\0' : '\n';
    if (cfg.timestamp === undefined) this.time = nativeTime;
    this.direct =
      this.to.root === 'attributes' &&
      this.to.keys.length === 0 &&
      cfg.body === undefined &&
      cfg.timestamp === undefined &&
      cfg.severity === undefined &&
      cfg.trace === undefined &&
      cfg.scope_name === undefined;
  }

  protected parseValue(v: unknown): unknown {
    return this.parse(v, false);
  }

  private parse(v: unknown, skipPri: boolean, direct?: Direct): Record<string, unknown> {
    if (typeof v !== 'string') throw new EntryError(`unable to convert type '${goTypeName(v)}' to bytes`);
    const c = this.cfg;
    let s = v;
    try {
      if (c.protocol === 'rfc3164') {
        if (c.allow_skip_pri_header && !PRI_ANYWHERE.test(s)) s = `<0>${s}`;
        return parseRfc3164(s, c.location, skipPri, direct);
      }
      if (c.enable_octet_counting) s = lastOctetFrame(s, this.maxOctets, c.framesComplete === true);
      else if (this.trailer !== undefined) s = lastNonTransparent(s, this.trailer);
      else if (c.allow_skip_pri_header && !PRI_ANYWHERE.test(s)) s = `<0>${s}`;
      return parseRfc5424(s, skipPri, direct);
    } catch (err) {
      if (err instanceof SyslogError) throw new EntryError(err.message);
      throw err;
    }
  }

  protected override apply(e: Entry): void {
    const c = this.cfg;
    // which post-step runs is decided from the body, as the collector does
    let skipPri = false;
    if (!c.enable_octet_counting && c.allow_skip_pri_header) {
      if (typeof e.body !== 'string')
        throw new EntryError(`unable to convert type '${goTypeName(e.body)}' to bytes`);
      skipPri = e.body.length > 1 && e.body[0] !== '<';
    }
    const raw = getField(e, this.from);
    if (raw === undefined) throw new EntryError(`field ${this.from.text} is missing`);
    if (this.direct) {
      const d: Direct = {};
      setField(e, this.to, this.parse(raw, skipPri, d));
      if (d.time === undefined) {
        // as the general path: the time step fails and severity stays an attribute
        if (d.severity !== undefined) e.attributes.severity = d.severity;
        throw new EntryError(
          'time parser: log entry does not have the expected parse_from field attributes.timestamp',
        );
      }
      e.timestamp = completeYear(d.time);
      if (d.severity !== undefined) {
        e.severity = SEVERITY_NUMBER[d.severity];
        e.severityText = SEVERITY_TEXT[d.severity];
      }
      return;
    }
    const parsed = this.parse(raw, skipPri);
    setField(e, this.to, parsed);
    try {
      this.after(e);
      // the syslog step
      if (!skipPri) {
        const sev = deleteField(e, ATTR_SEVERITY);
        if (sev === undefined) throw new EntryError('severity field does not exist');
        if (typeof sev !== 'number' || !Number.isInteger(sev))
          throw new EntryError('severity field is not an int');
        if (sev < 0 || sev > 7) throw new EntryError(`invalid severity '${sev}'`);
        e.severity = SEVERITY_NUMBER[sev];
        e.severityText = SEVERITY_TEXT[sev];
      }
      if (deleteField(e, ATTR_TIMESTAMP) === undefined) throw new EntryError('failed to cleanup timestamp');
    } catch (err) {
      // what leaves on an error path carries its time as RFC 3339 text, not an internal object
      exposeTime(parsed);
      exposeTime(e.attributes);
      throw err;
    }
  }
}

/** The collector's default time step for this parser: attributes.timestamp as a native time. */
const nativeTime = {
  apply(e: Entry): void {
    const v = getField(e, ATTR_TIMESTAMP);
    if (v === undefined)
      throw new EntryError('log entry does not have the expected parse_from field attributes.timestamp');
    if (!(v instanceof SyslogTime))
      throw new EntryError(
        `native time.Time field required, but found ${String(v)} of type ${goTypeName(v)}`,
      );
    e.timestamp = completeYear(v);
  },
};

function exposeTime(m: unknown): void {
  if (isMap(m) && m.timestamp instanceof SyslogTime) m.timestamp = m.timestamp.toString();
}

export const syslogParserOperator: OperatorDef<SyslogParserConfig> = {
  type: 'syslog_parser',
  schema: refineParserKeys(schema) as unknown as z.ZodType<SyslogParserConfig>,
  build: (cfg, ctx) => new SyslogParser(cfg, ctx),
};
