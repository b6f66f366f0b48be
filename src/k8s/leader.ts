// What a leader-election extension (k8s_leader_elector) offers the components
// that name it (`k8s_leader_elector: <id>`): callbacks run when this instance
// becomes leader and when it stops being leader. Lives here, not in the
// extension's folder, because components never import from one another.

export interface LeaderElection {
  /**
   * Registers callbacks. If this instance already leads, onStarted runs at
   * once; it runs again each time leadership is won back.
   */
  setCallbacks(onStarted: () => void, onStopped: () => void): void;
}

export function isLeaderElection(ext: unknown): ext is LeaderElection {
  return typeof (ext as LeaderElection | undefined)?.setCallbacks === 'function';
}

/**
 * Runs `start` while this instance leads the election of extension `id`
 * (and `stop` when it stops leading); without an id, runs `start` at once.
 * Throws, as the collector's receivers do at start, when `id` names no
 * started extension or one that is not a leader elector.
 */
export function runWhileLeader(
  getExtension: (id: string) => unknown,
  id: string | undefined,
  start: () => void,
  stop: () => void,
): void {
  if (id === undefined) {
    start();
    return;
  }
  const ext = getExtension(id);
  if (ext === undefined) throw new Error(`unknown k8s leader elector "${id}"`);
  if (!isLeaderElection(ext)) throw new Error(`the extension "${id}" is not a k8s_leader_elector`);
  ext.setCallbacks(start, stop);
}
