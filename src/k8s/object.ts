// The metadata every Kubernetes object has (apimachinery ObjectMeta), as the
// list/watch client and its users read it.
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
