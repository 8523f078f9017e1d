import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { completeJobs, type LeasedRef } from './complete-job.ts';

interface Pending {
  ref: LeasedRef;
  resolve: (deleted: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Batches completions: jobs that finish while a delete is being written are deleted together by
 * the next one (one statement, one commit), the same self-sizing batches as group commit.
 */
export class Completer {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** Resolves true once the deletion is committed, false if the lease had been lost. */
  complete(ref: LeasedRef): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ref, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const refs = batch.map((p) => p.ref);
      // One DELETE is atomic: autocommit on PostgreSQL; on SQLite it joins the group commit.
      const deleted =
        this.database.dialect === 'postgres'
          ? await completeJobs(this.database.db, refs)
          : await this.database.transaction((tx) => completeJobs(tx.db, refs));
      for (const p of batch) p.resolve(deleted.has(p.ref.id));
    } catch (err) {
      // Not committed: the jobs run again after their lease (at-least-once).
      this.logger.error({ err, jobs: batch.length }, 'completing jobs failed');
      for (const p of batch) p.reject(err);
    }
  }

  async drain(): Promise<void> {
    while (this.flushing || this.scheduled || this.pending.length > 0) {
      await (this.flushing ?? new Promise((r) => setImmediate(r)));
    }
  }
}
