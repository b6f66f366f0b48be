// The Node flags a shipped Kubernetes manifest sets for Tsunagi (its NODE_OPTIONS,
// and the flags its `command` gives node before the script: V8 flags Node refuses in
// NODE_OPTIONS, such as --initial-old-space-size, go there), so a bench runs the heap
// the deployed agent or gateway runs with. In a pod, Node sizes its heap from the
// container's memory limit (a 1 MiB semi-space under 512 MiB); the manifests set the
// sizes explicitly, so these flags are the whole heap configuration there and here alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export function manifestNodeOptions(
  file: 'daemonset.yaml' | 'statefulset.yaml' | 'examples/sidecar.yaml',
): string[] {
  // from dist/bench/lib (the built benches) or bench/lib (tests run the sources)
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'config', 'kubernetes')) && dirname(dir) !== dir) dir = dirname(dir);
  const path = join(dir, 'config', 'kubernetes', file);
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    const d = doc.toJS();
    const containers: { image?: string; command?: string[]; env?: { name: string; value?: string }[] }[] =
      d?.spec?.template?.spec?.containers ?? [];
    const container = containers.find((c) => c.image?.includes('tsunagi'));
    if (!container) continue;
    const env = container.env ?? [];
    return [
      ...commandNodeFlags(container.command),
      ...(env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '').split(' ').filter(Boolean),
    ];
  }
  throw new Error(`no Tsunagi container in config/kubernetes/${file}`);
}

/** The flags a container's `command: [node, --flag..., script]` gives node (none without a command). */
export function commandNodeFlags(command: string[] | undefined): string[] {
  if (!command || command.length === 0 || !/(^|\/)node$/.test(command[0])) return [];
  const flags: string[] = [];
  for (const a of command.slice(1)) {
    if (!a.startsWith('-')) break;
    flags.push(a);
  }
  return flags;
}
