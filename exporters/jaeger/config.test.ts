import { describe, expect, it } from 'vitest';
import { factory } from './factory.js';

const parse = (v: unknown) => factory.configSchema.safeParse(v);

describe('jaeger exporter config', () => {
  it('defaults to grpc with the exporter helper defaults', () => {
    const r = parse({ endpoint: 'jaeger-collector:14250', tls: { insecure: true } });
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject({
      protocol: 'grpc',
      timeout: 5000,
      sending_queue: { enabled: true, queue_size: 1000 },
      retry_on_failure: { enabled: true },
    });
  });
  it('takes a URL for thrift_http', () => {
    expect(parse({ protocol: 'thrift_http', endpoint: 'http://jaeger:14268/api/traces' }).success).toBe(true);
    expect(parse({ protocol: 'thrift_http', endpoint: 'jaeger:14268' }).success).toBe(false);
    expect(parse({ protocol: 'grpc', endpoint: 'http://jaeger:14268/api/traces' }).success).toBe(false);
  });
  it('rejects unknown keys and protocols', () => {
    expect(parse({ endpoint: 'j:14250', protocl: 'grpc' }).success).toBe(false);
    expect(parse({ endpoint: 'j:14250', protocol: 'thrift_compact' }).success).toBe(false);
  });
});
