// What discovery hands the scrape pool: groups of targets, each target a set
// of labels (at least __address__), plus labels common to the group
// (Prometheus discovery/targetgroup.Group). A discoverer always reports all
// of its groups, so the pool can tell which targets went away.

export interface TargetGroup {
  /** Unique within the discoverer (file path and index, pod namespace/name, ...). */
  source: string;
  targets: Map<string, string>[];
  labels: Map<string, string>;
}

export interface Discoverer {
  /** Starts discovering; `update` gets the full current list whenever it changes. */
  start(update: (groups: TargetGroup[]) => void): Promise<void>;
  stop(): Promise<void>;
}
