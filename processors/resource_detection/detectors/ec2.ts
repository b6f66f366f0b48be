// The ec2 detector: the EC2 instance metadata service (IMDS), as the AWS SDK
// reaches it: an IMDSv2 session token (PUT /latest/api/token), falling back to
// IMDSv1 when the service answers 403/404/405 to it; then the instance ID as
// an "am I on EC2" probe, the identity document and the hostname (collector
// internal/aws/ec2). The endpoint and the kill switch are the SDK's:
// AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED.
import { goRegExp } from '../../../src/regexp/go.js';
import { httpRequest } from './http.js';
import {
  AttributeBuilder,
  type DetectContext,
  type Detected,
  type Detector,
  EMPTY,
  SCHEMA_URL,
} from './types.js';

const DEFAULT_ENDPOINT = 'http://169.254.169.254';
const TOKEN_TTL = '21600';

export interface Ec2Config {
  tags: string[];
  tags_from_imds: boolean;
  max_attempts: number;
  max_backoff: number;
  fail_on_missing_metadata: boolean;
}

class Imds {
  private token: string | undefined;
  private tokenTried = false;
  constructor(
    private readonly ctx: DetectContext,
    private readonly base: string,
    private readonly cfg: Ec2Config,
  ) {}

  private async getToken(): Promise<string | undefined> {
    if (this.tokenTried) return this.token;
    this.tokenTried = true;
    const r = await httpRequest(this.ctx, `${this.base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL },
    });
    if (r.status === 200) this.token = r.body;
    else if (r.status !== 403 && r.status !== 404 && r.status !== 405)
      throw new Error(`IMDS token request: HTTP ${r.status}`);
    return this.token;
  }

  /** GET a metadata path, retried (max_attempts, backoff capped at max_backoff) on 5xx and network errors. */
  async get(path: string): Promise<string> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        const token = await this.getToken();
        const r = await httpRequest(this.ctx, `${this.base}${path}`, {
          headers: token ? { 'x-aws-ec2-metadata-token': token } : {},
        });
        if (r.status === 200) return r.body;
        const err = Object.assign(new Error(`GET ${path}: HTTP ${r.status} ${r.body.slice(0, 100)}`), {
          status: r.status,
        });
        if (r.status < 500) throw Object.assign(err, { final: true });
        throw err;
      } catch (e) {
        if ((e as { final?: boolean }).final || attempt >= this.cfg.max_attempts || this.ctx.signal.aborted)
          throw e;
        this.tokenTried = false;
        await new Promise((r) => setTimeout(r, Math.min(delay, this.cfg.max_backoff)));
        delay *= 2;
      }
    }
  }
}

interface IdentityDocument {
  accountId?: string;
  availabilityZone?: string;
  imageId?: string;
  instanceId?: string;
  instanceType?: string;
  region?: string;
}

export function ec2Detector(cfg: Ec2Config, enabled: Set<string>): Detector {
  const tagRes = cfg.tags.map((t) => goRegExp(t));
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      if ((ctx.env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true') return EMPTY;
      const base = (ctx.env.AWS_EC2_METADATA_SERVICE_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
      const imds = new Imds(ctx, base, cfg);
      try {
        await imds.get('/latest/meta-data/instance-id');
      } catch (e) {
        if (ctx.failOnMissingMetadata || cfg.fail_on_missing_metadata)
          throw new Error(`EC2 metadata unavailable: ${(e as Error).message}`);
        ctx.logger.debug({ err: (e as Error).message }, 'EC2 metadata unavailable');
        return EMPTY;
      }
      let doc: IdentityDocument;
      try {
        doc = JSON.parse(await imds.get('/latest/dynamic/instance-identity/document')) as IdentityDocument;
      } catch (e) {
        throw new Error(`failed getting identity document: ${(e as Error).message}`);
      }
      let hostname: string;
      try {
        hostname = await imds.get('/latest/meta-data/hostname');
      } catch (e) {
        throw new Error(`failed getting hostname: ${(e as Error).message}`);
      }
      const b = new AttributeBuilder(enabled)
        .str('cloud.provider', 'aws')
        .str('cloud.platform', 'aws_ec2')
        .str('cloud.region', doc.region ?? '')
        .str('cloud.account.id', doc.accountId ?? '')
        .str('cloud.availability_zone', doc.availabilityZone ?? '')
        .str('host.id', doc.instanceId ?? '')
        .str('host.image.id', doc.imageId ?? '')
        .str('host.type', doc.instanceType ?? '')
        .str('host.name', hostname);
      if (tagRes.length > 0) {
        let keys: string[];
        try {
          keys = (await imds.get('/latest/meta-data/tags/instance/')).split('\n').filter(Boolean);
        } catch (e) {
          throw new Error(`failed fetching ec2 instance tags: ${(e as Error).message}`);
        }
        for (const key of keys)
          if (tagRes.some((r) => r.test(key)))
            b.attributes.push({
              key: `ec2.tag.${key}`,
              value: {
                stringValue: await imds.get(`/latest/meta-data/tags/instance/${encodeURIComponent(key)}`),
              },
            });
      }
      return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
    },
  };
}
