// The OTLP/HTTP client config lives in src/otlpclient (shared with other exporters that speak OTLP).
export {
  compressionSchema,
  type OtlpHttpConfig,
  otlpHttpConfigSchema,
} from '../../src/otlpclient/http-config.js';
