// Keeps the tokens of `filename` current: read at start (a missing file fails
// the start, as in the collector), then re-read whenever its directory
// changes. Watching the directory rather than the file also follows an atomic
// replace (write + rename) and a Kubernetes Secret/ConfigMap update, where the
// `..data` symlink is swapped and the old file removed.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../src/telemetry/logger.js';

/** One token per line, surrounding whitespace trimmed, blank lines skipped. */
export function parseTokens(text: string): string[] {
  return text
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

export class TokenFile {
  private watcher: FSWatcher | undefined;
  private last = '';

  constructor(
    private readonly filename: string,
    private readonly logger: Logger,
    private readonly onTokens: (tokens: string[]) => void,
  ) {}

  start(): void {
    this.last = readFileSync(this.filename, 'utf8'); // throws: the start fails, with the path
    this.onTokens(parseTokens(this.last));
    this.watcher = watch(dirname(this.filename), { persistent: false }, (_event, name) => {
      // Another file of the directory changing cannot change ours unless it is a symlink
      // target (Kubernetes swaps `..data`): re-read on any event, but only act on a change.
      if (name && name !== basename(this.filename) && !name.startsWith('..')) return;
      this.refresh();
    });
    this.watcher.on('error', (err) =>
      this.logger.error({ err, filename: this.filename }, 'token file watch failed'),
    );
  }

  refresh(): void {
    let text: string;
    try {
      text = readFileSync(this.filename, 'utf8');
    } catch (err) {
      // Mid-swap the file may be briefly absent: keep the tokens we have.
      this.logger.error(
        { err, filename: this.filename },
        'cannot read the bearer token file; keeping the current token',
      );
      return;
    }
    if (text === this.last) return;
    this.last = text;
    this.logger.info({ filename: this.filename }, 'refresh token');
    this.onTokens(parseTokens(text));
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
