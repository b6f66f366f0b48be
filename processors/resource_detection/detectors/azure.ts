// The azure detector: the Azure Instance Metadata Service (GET
// /metadata/instance/compute?api-version=2020-09-01&format=json with the
// header `Metadata: True`, collector internal/metadataproviders/azure). No
// answer means "not on Azure": an empty resource, unless fail_on_missing_metadata.
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

export const AZURE_IMDS = 'http://169.254.169.254/metadata/instance/compute';

interface Compute {
  location?: string;
  name?: string;
  vmId?: string;
  vmSize?: string;
  subscriptionId?: string;
  resourceGroupName?: string;
  vmScaleSetName?: string;
  zone?: string;
  tagsList?: { name: string; value: string }[];
}

/** `endpoint`: a seam for tests (the collector has no setting for it either). */
export function azureDetector(
  cfg: { tags: string[] },
  enabled: Set<string>,
  endpoint = AZURE_IMDS,
): Detector {
  const tagRes = cfg.tags.map((t) => goRegExp(t));
  return {
    async detect(ctx: DetectContext): Promise<Detected> {
      let c: Compute;
      try {
        const r = await httpRequest(ctx, `${endpoint}?format=json&api-version=2020-09-01`, {
          headers: { metadata: 'True' },
        });
        if (r.status !== 200) throw new Error(`Azure IMDS replied with status code: ${r.status}`);
        c = JSON.parse(r.body) as Compute;
      } catch (e) {
        if (ctx.failOnMissingMetadata)
          throw new Error(`Azure detector metadata retrieval failed: ${(e as Error).message}`);
        ctx.logger.debug({ err: (e as Error).message }, 'Azure detector metadata retrieval failed');
        return EMPTY;
      }
      const b = new AttributeBuilder(enabled)
        .str('cloud.provider', 'azure')
        .str('cloud.platform', 'azure_vm')
        .str('host.name', c.name ?? '')
        .str('cloud.region', c.location ?? '')
        .str('host.id', c.vmId ?? '')
        .str('cloud.account.id', c.subscriptionId ?? '')
        .str('azure.vm.name', c.name ?? '')
        .str('azure.vm.size', c.vmSize ?? '')
        .str('azure.vm.scaleset.name', c.vmScaleSetName ?? '')
        .str('azure.resourcegroup.name', c.resourceGroupName ?? '')
        .str('cloud.availability_zone', c.zone ?? '');
      for (const t of c.tagsList ?? [])
        if (tagRes.some((r) => r.test(t.name)))
          b.attributes.push({ key: `azure.tags.${t.name}`, value: { stringValue: t.value } });
      return { attributes: b.attributes, schemaUrl: SCHEMA_URL };
    },
  };
}
