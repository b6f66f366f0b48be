// The docker detector: asks the Docker daemon (GET /_ping for the API version,
// then /v<version>/info) for the host's name and OS type. The daemon is found
// as the Docker client finds it (DOCKER_HOST, default unix:///var/run/docker.sock).
// A daemon that cannot be reached gives an empty resource, unless
// fail_on_missing_metadata.
import { Client } from 'undici';
import { osType } from './system.js';
import {
  AttributeBuilder,
  type DetectContext,
  type Detected,
  type Detector,
  EMPTY,
  SCHEMA_URL,
} from './types.js';

function clientFor(dockerHost: string | undefined): Client {
  const host = dockerHost || 'unix:///var/run/docker.sock';
  if (host.startsWith('unix://'))
    return new Client('http://localhost', { socketPath: host.slice('unix://'.length) });
  if (host.startsWith('tcp://')) return new Client(`http://${host.slice('tcp://'.length)}`);
  return new Client(host);
}

export function dockerDetector(enabled: Set<string>): Detector {
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      const client = clientFor(ctx.env.DOCKER_HOST);
      const signal =
        ctx.timeoutMs > 0 ? AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]) : ctx.signal;
      try {
        const ping = await client.request({ path: '/_ping', method: 'GET', signal });
        await ping.body.text();
        const version = ping.headers['api-version'];
        const res = await client.request({
          path: version ? `/v${version}/info` : '/info',
          method: 'GET',
          signal,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200)
          throw new Error(`docker /info: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        const info = JSON.parse(text) as { Name?: string; OSType?: string };
        const b = new AttributeBuilder(enabled)
          .str('host.name', info.Name ?? '')
          .str('os.type', osType(info.OSType ?? ''));
        return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
      } catch (e) {
        if (ctx.failOnMissingMetadata)
          throw new Error(`failed to fetch Docker OS type: ${(e as Error).message}`);
        ctx.logger.warn(
          { err: (e as Error).message },
          'docker detector: the Docker daemon could not be reached',
        );
        return EMPTY;
      } finally {
        await client.close();
      }
    },
  };
}
