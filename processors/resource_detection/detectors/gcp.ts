// The gcp detector: the GCE metadata server (GET /computeMetadata/v1/... with
// `Metadata-Flavor: Google`) and the platform's environment variables, as the
// collector's detector (GoogleCloudPlatform detectors/gcp) reads them: GKE
// (KUBERNETES_SERVICE_HOST), Cloud Run services (K_CONFIGURATION) and jobs
// (CLOUD_RUN_JOB), Cloud Functions (FUNCTION_TARGET), App Engine (GAE_SERVICE)
// else Compute Engine. The server is found as cloud.google.com/go/compute/metadata
// finds it: GCE_METADATA_HOST (then on GCP without probing), else 169.254.169.254,
// probed for the `Metadata-Flavor: Google` answer header. Not on GCP: an empty
// resource. An attribute that cannot be read on GCP is an error, as upstream.
import { promises as dns } from 'node:dns';
import { httpRequest } from './http.js';
import {
  AttributeBuilder,
  type DetectContext,
  type Detected,
  type Detector,
  EMPTY,
  SCHEMA_URL,
} from './types.js';

const DEFAULT_HOST = '169.254.169.254';

class Metadata {
  constructor(
    private readonly ctx: DetectContext,
    private readonly host: string,
  ) {}

  async get(path: string): Promise<string> {
    const r = await httpRequest(this.ctx, `http://${this.host}/computeMetadata/v1/${path}`, {
      headers: { 'metadata-flavor': 'Google' },
    });
    if (r.status === 404) throw new Error(`metadata: GCE metadata "${path}" not defined`);
    if (r.status !== 200) throw new Error(`metadata: GCE metadata "${path}": HTTP ${r.status}`);
    return r.body.trim();
  }
}

/** metadata.OnGCE(): the env override, or an answer with the Google flavor header, or the metadata DNS name. */
async function onGce(ctx: DetectContext): Promise<boolean> {
  if (ctx.env.GCE_METADATA_HOST) return true;
  const byHttp = httpRequest(ctx, `http://${DEFAULT_HOST}`, {
    timeoutMs: Math.min(ctx.timeoutMs || 5000, 5000),
  }).then(
    (r) => r.headers['metadata-flavor'] === 'Google',
    () => false,
  );
  const byDns = dns.lookup('metadata.google.internal.').then(
    () => true,
    () => false,
  );
  // getaddrinfo cannot be cancelled: the probe ends with the session (or after 5 s) either way
  const bound = Math.min(ctx.timeoutMs || 5000, 5000);
  const giveUp = new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), bound);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
  const first = (p: Promise<boolean>) => p.then((yes) => (yes ? true : new Promise<boolean>(() => {})));
  return Promise.race([
    first(byHttp),
    first(byDns),
    Promise.all([byHttp, byDns]).then((r) => r.some(Boolean)),
    giveUp,
  ]);
}

const last = (s: string) => s.slice(s.lastIndexOf('/') + 1);
/** "us-central1-c" → "us-central1". */
const regionOfZone = (zone: string) => zone.slice(0, zone.lastIndexOf('-'));

export function gcpDetector(enabled: Set<string>): Detector {
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      if (!(await onGce(ctx))) return EMPTY;
      const md = new Metadata(ctx, ctx.env.GCE_METADATA_HOST || DEFAULT_HOST);
      const env = ctx.env;
      const b = new AttributeBuilder(enabled);
      const errors: string[] = [];
      /** Sets `key` from `read`; a failure is collected (the detector then reports an error). */
      const set = async (key: string, read: () => Promise<string> | string) => {
        if (!b.has(key)) return;
        try {
          b.str(key, await read());
        } catch (e) {
          errors.push((e as Error).message);
        }
      };
      b.str('cloud.provider', 'gcp');
      await set('cloud.account.id', () => md.get('project/project-id'));
      if (env.KUBERNETES_SERVICE_HOST) {
        b.str('cloud.platform', 'gcp_kubernetes_engine');
        try {
          const loc = await md.get('instance/attributes/cluster-location');
          // two dashes: a zone (us-central1-c), else a region (us-central1)
          if (loc.split('-').length === 3)
            b.str('cloud.availability_zone', loc).str('cloud.region', regionOfZone(loc));
          else b.str('cloud.region', loc);
        } catch (e) {
          errors.push((e as Error).message);
        }
        await set('k8s.cluster.name', () => md.get('instance/attributes/cluster-name'));
        await set('host.id', () => md.get('instance/id'));
        // fallible on GKE (not available with workload identity): logged, not an error
        try {
          if (b.has('host.name')) b.str('host.name', await md.get('instance/name'));
        } catch (e) {
          ctx.logger.info(
            { key: 'host.name', err: (e as Error).message },
            'Fallible detector failed. This attribute will not be available.',
          );
        }
      } else if (env.FUNCTION_TARGET) {
        b.str('cloud.platform', 'gcp_cloud_functions');
        await set('faas.name', () => env.K_SERVICE ?? '');
        await set('faas.version', () => env.K_REVISION ?? '');
        await set('faas.instance', () => md.get('instance/id'));
        await set('cloud.region', async () => last(await md.get('instance/region')));
      } else if (env.CLOUD_RUN_JOB) {
        b.str('cloud.platform', 'gcp_cloud_run');
        await set('faas.name', () => env.CLOUD_RUN_JOB ?? '');
        await set('cloud.region', async () => last(await md.get('instance/region')));
        await set('faas.instance', () => md.get('instance/id'));
        await set('gcp.cloud_run.job.execution', () => env.CLOUD_RUN_EXECUTION ?? '');
        await set('gcp.cloud_run.job.task_index', () => env.CLOUD_RUN_TASK_INDEX ?? '');
      } else if (env.K_CONFIGURATION) {
        b.str('cloud.platform', 'gcp_cloud_run');
        await set('faas.name', () => env.K_SERVICE ?? '');
        await set('faas.version', () => env.K_REVISION ?? '');
        await set('faas.instance', () => md.get('instance/id'));
        await set('cloud.region', async () => last(await md.get('instance/region')));
      } else if (env.GAE_SERVICE) {
        b.str('cloud.platform', 'gcp_app_engine');
        const zone = last(
          await md.get('instance/zone').catch((e: Error) => {
            errors.push(e.message);
            return '';
          }),
        );
        if (zone) b.str('cloud.availability_zone', zone).str('cloud.region', regionOfZone(zone));
        await set('faas.name', () => env.GAE_SERVICE ?? '');
        await set('faas.version', () => env.GAE_VERSION ?? '');
        await set('faas.instance', () => env.GAE_INSTANCE ?? '');
      } else {
        b.str('cloud.platform', 'gcp_compute_engine');
        try {
          const zone = last(await md.get('instance/zone'));
          b.str('cloud.availability_zone', zone).str('cloud.region', regionOfZone(zone));
        } catch (e) {
          errors.push((e as Error).message);
        }
        await set('host.type', async () => last(await md.get('instance/machine-type')));
        await set('host.id', () => md.get('instance/id'));
        await set('host.name', () => md.get('instance/name'));
        await set('gcp.gce.instance.hostname', () => md.get('instance/hostname'));
        await set('gcp.gce.instance.name', () => md.get('instance/name'));
        // a managed instance group's manager, when the instance was created by one
        const createdBy = await md.get('instance/attributes/created-by').catch(() => '');
        const m = /\/(zones|regions)\/([^/]+)\/instanceGroupManagers\/([^/]+)$/.exec(createdBy);
        if (m) {
          b.str('gcp.gce.instance_group_manager.name', m[3]);
          b.str(
            m[1] === 'zones'
              ? 'gcp.gce.instance_group_manager.zone'
              : 'gcp.gce.instance_group_manager.region',
            m[2],
          );
        }
      }
      if (errors.length > 0) throw new Error(errors.join('; '));
      return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
    },
  };
}
