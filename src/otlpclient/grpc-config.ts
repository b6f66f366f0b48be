import { z } from 'zod';
import { authSchema } from '../config/auth.js';
import { duration } from '../config/schema-types.js';
import { tlsClientSchema } from '../config/tls-client.js';
import { exporterHelperConfigShape } from '../exporterhelper/index.js';

/** gzip (default) or none; the collector's other codecs are not built in. */
const compressionSchema = z
  .string()
  .default('gzip')
  .transform((v, ctx) => {
    if (v === 'gzip') return 'gzip' as const;
    if (v === 'none' || v === '') return 'none' as const;
    ctx.addIssue({ code: 'custom', message: `compression "${v}" is not supported (supported: gzip, none)` });
    return z.NEVER;
  });

/** host:port, optionally with an http:// / https:// scheme or a dns:/// target prefix. */
export const grpcEndpoint = () =>
  z.string().refine((s) => /^((https?:\/\/)|(dns:\/\/\/))?(\[[^\]]+\]|[^:/\s]+):\d{1,5}\/?$/.test(s), {
    message: 'expected host:port (optionally http:// or https://), e.g. "collector:4317"',
  });

/** Every key of the OTLP/gRPC exporter but `endpoint` (the load balancer fills it per backend). */
export const otlpGrpcClientShape = {
  headers: z.record(z.string(), z.string()).default({}),
  compression: compressionSchema,
  tls: tlsClientSchema,
  balancer_name: z.enum(['pick_first', 'round_robin']).default('round_robin'),
  keepalive: z
    .strictObject({
      time: duration().optional(),
      timeout: duration().optional(),
      permit_without_stream: z.boolean().default(false),
    })
    .optional(),
  /** Sets the :authority of the calls. */
  authority: z.string().optional(),
  read_buffer_size: z.number().int().min(0).optional(),
  write_buffer_size: z.number().int().min(0).optional(),
  wait_for_ready: z.boolean().default(false),
  /** A client authenticator extension that adds metadata to every call. */
  auth: authSchema,
  ...exporterHelperConfigShape,
};

export const otlpGrpcConfigSchema = z.strictObject({
  endpoint: grpcEndpoint(),
  ...otlpGrpcClientShape,
});

export type OtlpGrpcConfig = z.output<typeof otlpGrpcConfigSchema>;

/** The dial target and whether to use TLS: a scheme wins, else TLS unless tls.insecure. */
export function grpcTarget(cfg: OtlpGrpcConfig): { target: string; secure: boolean } {
  const ep = cfg.endpoint.replace(/\/$/, '');
  if (ep.startsWith('https://')) return { target: ep.slice(8), secure: true };
  if (ep.startsWith('http://')) return { target: ep.slice(7), secure: false };
  return { target: ep, secure: !cfg.tls.insecure };
}
