// Jaeger <-> OTLP translation and the Jaeger wire codecs (Thrift compact/binary,
// api_v2 protobuf), shared by the jaeger receiver and exporter.
export * from './from-otlp.js';
export * from './model.js';
export * from './proto-codec.js';
export * from './thrift-decode.js';
export * from './thrift-writer.js';
export * from './to-otlp.js';
