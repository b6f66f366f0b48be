// gRPC client facts shared by the exporters that speak gRPC (otlp_grpc, jaeger).
import { status } from '@grpc/grpc-js';

/**
 * Status codes worth retrying, as the collector's otlpexporter shouldRetry has
 * them. RESOURCE_EXHAUSTED is retryable only with a RetryInfo delay (the caller checks).
 */
export const RETRYABLE_GRPC_CODES: ReadonlySet<number> = new Set([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/** grpc-js's id for gzip in `grpc.default_compression_algorithm`. */
export const GRPC_GZIP = 2;
