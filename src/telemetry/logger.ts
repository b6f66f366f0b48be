// Tsunagi's own logs: structured JSON on stderr (pino), level from
// service.telemetry.logs.level. Components get a child bound to their ID.
import { destination, type Logger as PinoLogger, pino, stdTimeFunctions } from 'pino';
import { redactUrl } from './redact.js';

export type Logger = PinoLogger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A string or a shallow object's strings with URL credentials masked (redactUrl). */
function scrub(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.includes('@') ? redactUrl(v) : v;
  if (depth > 1 || v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const y = scrub(x, depth + 1);
    if (y !== x) {
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = y;
    }
  }
  return out ?? v;
}

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Credentials written into URLs (`http://user:pass@host`) never reach a log line,
      // whichever component prints the URL (src/exporterhelper/endpoint.ts).
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
    },
    destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
