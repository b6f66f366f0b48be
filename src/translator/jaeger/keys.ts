// Tag and attribute names the Jaeger <-> OTLP translation gives meaning to
// (the collector's pkg/translator/jaeger and semantic conventions).
export const SERVICE_NAME = 'service.name';
export const HOST_NAME = 'host.name';
export const JAEGER_HOSTNAME = 'hostname';
export const JAEGER_VERSION = 'jaeger.version';
export const EXPORTER_VERSION = 'opencensus.exporterversion';
/** Service name the collector uses for a resource without attributes. */
export const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

export const SPAN_KIND = 'span.kind';
export const ERROR = 'error';
export const STATUS_CODE = 'otel.status_code';
export const STATUS_DESCRIPTION = 'otel.status_description';
export const HTTP_STATUS_CODE = 'http.status_code';
export const HTTP_STATUS_MESSAGE = 'http.status_message';
export const TRACE_STATE = 'w3c.tracestate';
export const SCOPE_NAME = 'otel.scope.name';
export const SCOPE_VERSION = 'otel.scope.version';
export const LIBRARY_NAME = 'otel.library.name';
export const LIBRARY_VERSION = 'otel.library.version';
export const EVENT_NAME = 'event';
export const REF_TYPE = 'opentracing.ref_type';
export const REF_CHILD_OF = 'child_of';
export const REF_FOLLOWS_FROM = 'follows_from';
