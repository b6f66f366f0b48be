// The OTLP/gRPC client config lives in src/otlpclient (the load-balancing exporter builds one per backend).
export { grpcTarget, type OtlpGrpcConfig, otlpGrpcConfigSchema } from '../../src/otlpclient/grpc-config.js';
