// OTLP client: config schemas and send functions (encode, send over gRPC or
// HTTP, read the answer into ConsumerErrors) shared by the otlp_grpc and
// otlp_http exporters and the load-balancing exporter's per-backend exporters.
export {
  grpcEndpoint,
  grpcTarget,
  type OtlpGrpcConfig,
  otlpGrpcClientShape,
  otlpGrpcConfigSchema,
} from './grpc-config.js';
export { h2Eligible, OtlpGrpcH2Sender } from './grpc-h2-sender.js';
export { OtlpGrpcSender, toConsumerError } from './grpc-sender.js';
export { compressionSchema, type OtlpHttpConfig, otlpHttpConfigSchema } from './http-config.js';
export { OtlpHttpSender, signalUrl } from './http-sender.js';
