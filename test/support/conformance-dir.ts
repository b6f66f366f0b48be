// Where the upstream reference data lives: ../shared/conformance beside the
// repository (DESIGN.md). A clone made elsewhere (CI clones into a temp
// directory) finds it beside the repository it was cloned from, a worktree
// beside its main checkout, or where TSUNAGI_CONFORMANCE_DIR says.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function originDir(): string | undefined {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      cwd: REPO,
      encoding: 'utf8',
    }).trim();
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    return isAbsolute(path) ? path : undefined; // a local clone's source; remote URLs do not help
  } catch {
    return undefined;
  }
}

/** The main checkout of a `git worktree` (its common .git directory's parent). */
function mainWorktreeDir(): string | undefined {
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: REPO,
      encoding: 'utf8',
    }).trim();
    return dirname(common);
  } catch {
    return undefined;
  }
}

function find(): string {
  const beside = (repo: string) => join(dirname(resolve(repo)), 'shared', 'conformance');
  const candidates = [process.env.TSUNAGI_CONFORMANCE_DIR, beside(REPO)];
  const origin = originDir();
  if (origin) candidates.push(beside(origin));
  const main = mainWorktreeDir();
  if (main) candidates.push(beside(main));
  for (const c of candidates) if (c && existsSync(c)) return c;
  return beside(REPO); // missing: the tests' errors name the expected place
}

/** Absolute path of the conformance directory, with a trailing slash. */
export const CONFORMANCE_DIR = `${find()}/`;
