// One group commit for all the store files of a file_storage extension. A
// request fanned out to two exporters with persistent queues writes a record to
// each exporter's file; it is answered once both are durable. Synced each on its
// own, the second file's fdatasync often misses the journal commit the first one
// started (ext4: the commit already running holds only what was written before
// it) and waits for the next: two durable writes in sequence. Here each store
// writes its records to the page cache as soon as it has them, and a sync round
// starts only once no store is between writing and syncing: the files written
// together are fdatasync'd together, and their metadata goes out in one journal
// commit. Each caller still resolves only after its own file's fdatasync returned.
//
// A round does not wait for the rounds already running. Holding the next round
// back until the running one returned (as this did before) made a request whose
// write landed just after a round started wait for two whole rounds, and made
// the traces pipeline's answers wait for the logs pipeline's fsyncs (one group
// per extension). Started at once, its fdatasync writes its file's data while
// the other round's are still being written and joins the journal commit they
// trigger if that has not started yet (ext4 commits one transaction at a time,
// so at worst it waits for that commit and then its own: never longer than
// before). A file may be in two rounds at once (log-store.ts writes its next
// group while the one before is being synced): each fdatasync covers what was
// written before it was called, and each caller waits for its own.
//
// Nor does a round wait for every store that is writing: only for the stores
// that began writing in the same event-loop turn (a cohort). The stores of one
// request's fan-out begin their writes in the same turn (the fan-out hands the
// batch to every exporter in one pass), so they still share a round; a write
// that began earlier or later (another pipeline, another request) does not hold
// this round back. Under load a write to the page cache took 100-400 ms here,
// and the traces pipeline's fsync waited for the logs pipeline's slow write.
import type { FileHandle } from 'node:fs/promises';

interface Waiting {
  fh: FileHandle;
  /** Called as its fdatasync is handed to the thread pool (the answer trace). */
  started?: () => void;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** The writes that began in one event-loop turn: what one round waits for. */
export interface Cohort {
  /** Stores of this cohort writing records they will then sync. */
  writing: number;
  waiting: Waiting[];
}

export class SyncGroup {
  /** The cohort of the current turn (closed at setImmediate). */
  private open: Cohort | undefined;
  /** Rounds whose fdatasyncs have not all returned. */
  private running = 0;
  /** Sync rounds run (for tests: two files written together take one round). */
  rounds = 0;

  /** Whether a sync round is running (for the answer trace). */
  get inRound(): boolean {
    return this.running > 0;
  }

  /** A store starts writing records it will sync; pass the cohort to sync() or abandon(). */
  beginWrite(): Cohort {
    let c = this.open;
    if (!c) {
      const cohort: Cohort = { writing: 0, waiting: [] };
      this.open = c = cohort;
      setImmediate(() => {
        if (this.open === cohort) this.open = undefined;
        this.startRound(cohort);
      });
    }
    c.writing++;
    return c;
  }

  /** The write failed: this store will not sync. */
  abandon(c: Cohort): void {
    c.writing--;
    this.startRound(c);
  }

  /** The store's records are written: resolves once `fh` was fdatasync'd in a round with its cohort. */
  sync(fh: FileHandle, c: Cohort, started?: () => void): Promise<void> {
    c.writing--;
    return new Promise((resolve, reject) => {
      c.waiting.push({ fh, started, resolve, reject });
      this.startRound(c);
    });
  }

  private startRound(c: Cohort): void {
    // Wait for the cohort's writes still landing (page cache: short) so they join this round,
    // and, while the turn lasts, for the stores that have yet to begin theirs: most stores
    // write on the event loop (log-store.ts), so the first store of a fan-out is done before
    // the next one begins; the turn's end (setImmediate, above) starts the round then.
    if (c.writing > 0 || c.waiting.length === 0 || this.open === c) return;
    const members = c.waiting;
    c.waiting = [];
    this.running++;
    this.rounds++;
    // each caller resumes as soon as its own file is durable, not when the round's slowest is
    void Promise.allSettled(
      members.map((m) => {
        m.started?.();
        return m.fh.datasync().then(m.resolve, m.reject);
      }),
    ).then(() => {
      this.running--;
    });
  }
}
