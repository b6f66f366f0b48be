// Config of the `jaeger` exporter. `protocol: grpc` speaks jaeger.api_v2
// CollectorService/PostSpans to `endpoint` (host:port, like the collector's
// removed `jaeger` exporter); `protocol: thrift_http` POSTs Thrift batches to
// `endpoint` as a URL (like the removed `jaeger_thrift` exporter).
import { z } from 'zod';
import { tlsClientSchema } from '../../src/config/tls-client.js';
import { exporterHelperConfigShape } from '../../src/exporterhelper/index.js';

const HOST_PORT = /^((https?:\/\/)|(dns:\/\/\/))?(\[[^\]]+\]|[^:/\s]+):\d{1,5}\/?$/;

export const configSchema = z
  .strictObject({
    protocol: z.enum(['grpc', 'thrift_http']).default('grpc'),
    endpoint: z.string().min(1),
    headers: z.record(z.string(), z.string()).default({}),
    tls: tlsClientSchema,
    /** gRPC message compression (gzip or none); thrift_http bodies go uncompressed, as Jaeger expects. */
    compression: z.enum(['gzip', 'none', '']).default('none'),
    ...exporterHelperConfigShape,
  })
  .superRefine((c, ctx) => {
    if (c.protocol === 'grpc' && !HOST_PORT.test(c.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'protocol grpc expects host:port, e.g. "jaeger-collector:14250"',
      });
    if (c.protocol === 'thrift_http' && !/^https?:\/\/[^/\s]+/.test(c.endpoint))
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'protocol thrift_http expects a URL, e.g. "http://jaeger-collector:14268/api/traces"',
      });
    if (c.protocol === 'thrift_http' && c.compression === 'gzip')
      ctx.addIssue({
        code: 'custom',
        path: ['compression'],
        message: 'compression applies to protocol grpc only',
      });
  });

export type JaegerExporterConfig = z.output<typeof configSchema>;
