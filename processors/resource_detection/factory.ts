import type { ProcessorFactory } from '../../src/component/component.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { enabledAttributes } from './attributes.js';
import { configSchema, type ResourceDetectionConfig } from './config.js';
import { AZURE_IMDS, azureDetector } from './detectors/azure.js';
import { dockerDetector } from './detectors/docker.js';
import { ec2Detector } from './detectors/ec2.js';
import { envDetector } from './detectors/env.js';
import { gcpDetector } from './detectors/gcp.js';
import { k8sApiDetector, nodeName } from './detectors/k8sapi.js';
import { realSources, type SystemSources, systemDetector } from './detectors/system.js';
import type { Detector } from './detectors/types.js';
import { ResourceDetectionProcessor } from './processor.js';
import { detect } from './provider.js';

/** Test seams: where the detectors look (the Azure IMDS address has no setting in the collector either). */
export interface DetectorOverrides {
  env?: NodeJS.ProcessEnv;
  azureEndpoint?: string;
  system?: SystemSources;
}

export function buildDetectors(
  cfg: ResourceDetectionConfig,
  o: DetectorOverrides = {},
): [string, Detector][] {
  return cfg.detectors.map((raw) => {
    const name = raw.trim();
    switch (name) {
      case 'env':
        return [name, envDetector()];
      case 'system':
        return [
          name,
          systemDetector(
            cfg.system,
            enabledAttributes('system', cfg.system.resource_attributes),
            o.system ?? realSources,
          ),
        ];
      case 'docker':
        return [name, dockerDetector(enabledAttributes('docker', cfg.docker.resource_attributes))];
      case 'k8s_api':
      case 'k8snode': {
        const section = name === 'k8s_api' ? cfg.k8s_api : cfg.k8snode;
        // the collector fails at creation when the node name variable is not set: so does this
        nodeName(section, o.env ?? process.env);
        return [name, k8sApiDetector(section, enabledAttributes(name, section.resource_attributes))];
      }
      case 'ec2':
        return [name, ec2Detector(cfg.ec2, enabledAttributes('ec2', cfg.ec2.resource_attributes))];
      case 'gcp':
        return [name, gcpDetector(enabledAttributes('gcp', cfg.gcp.resource_attributes))];
      case 'azure':
        return [
          name,
          azureDetector(
            cfg.azure,
            enabledAttributes('azure', cfg.azure.resource_attributes),
            o.azureEndpoint ?? AZURE_IMDS,
          ),
        ];
      default:
        throw new Error(`invalid detector key: ${name}`);
    }
  });
}

export function createWith(o: DetectorOverrides): ProcessorFactory<ResourceDetectionConfig>['create'] {
  return (settings, config, _signal, next) => {
    // once per processor, at creation, as the collector's NewDeprecatedDetector
    if (config.detectors.some((d) => d.trim() === 'k8snode'))
      settings.logger.warn('the k8snode detector name is deprecated, use k8s_api instead');
    return new ResourceDetectionProcessor(config, next, settings.logger, async () =>
      detect(config, buildDetectors(config, o), settings.logger as Logger, o.env),
    );
  };
}

export const factory: ProcessorFactory<ResourceDetectionConfig> = {
  kind: 'processor',
  type: 'resource_detection',
  deprecatedTypes: ['resourcedetection'],
  description: 'Detects host, container, Kubernetes node and cloud identity and adds it to every resource',
  configSchema,
  signals: ['traces', 'metrics', 'logs'],
  mutatesData: true,
  create: createWith({}),
};
