import { z } from 'zod';

// Tsunagi's own processor (no collector equivalent): links log records to
// traces by finding the trace context the application wrote into the log.
export const configSchema = z.strictObject({
  trace_id_keys: z
    .array(z.string().min(1))
    .default(['trace_id', 'traceId', 'TraceId', 'trace.id', 'traceid', 'otelTraceID']),
  span_id_keys: z
    .array(z.string().min(1))
    .default(['span_id', 'spanId', 'SpanId', 'span.id', 'spanid', 'otelSpanID']),
  trace_flags_keys: z.array(z.string().min(1)).default(['trace_flags', 'traceFlags', 'trace.flags']),
  traceparent_keys: z.array(z.string().min(1)).default(['traceparent']),
  /** Keys whose value is a request ID; a record with one and no trace context gets a derived trace ID. */
  request_id_keys: z.array(z.string().min(1)).default([]),
  /** Delete the attributes the trace context was taken from (never the body, never request IDs). */
  remove_matched_attributes: z.boolean().default(false),
  /** Also search string bodies (logfmt, JSON-looking text, `traceparent=...`). */
  parse_body_text: z.boolean().default(true),
});

export type TracelinkConfig = z.output<typeof configSchema>;
