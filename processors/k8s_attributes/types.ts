// The parts of Kubernetes objects this processor reads (core/v1).
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface KObject {
  metadata: ObjectMeta;
}

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
