// The parts of Kubernetes objects this processor reads (core/v1).
export type { KObject, ObjectMeta } from '../../src/k8s/types.js';

import type { KObject } from '../../src/k8s/types.js';

export interface ContainerSpec {
  name: string;
  image?: string;
}

export interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
  imageID?: string;
}

export interface Pod extends KObject {
  spec?: {
    nodeName?: string;
    hostname?: string;
    hostNetwork?: boolean;
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
  };
  status?: {
    podIP?: string;
    startTime?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export type Namespace = KObject;
