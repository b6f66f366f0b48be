// Real OpenTelemetry JS SDK data for receiver tests: spans recorded by the SDK
// and the OTLP request bytes the SDK's own serializers make from them.
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** Records spans with the SDK and returns them (one small trace unless `count` says more). */
export async function recordSpans(count = 1, build?: (tracer: Tracer) => void): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'fixture' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('fixture-scope', '1.0.0');
  if (build) build(tracer);
  else
    for (let i = 0; i < count; i++) {
      const span = tracer.startSpan(`op-${i}`, { kind: SpanKind.SERVER, attributes: { i } });
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    }
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export function tracesProtoRequest(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}

export function tracesJsonRequest(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
}

/** Parses an ExportTraceServiceResponse with the SDK's own deserializer. */
export function parseTracesProtoResponse(body: Uint8Array) {
  return ProtobufTraceSerializer.deserializeResponse(body);
}
