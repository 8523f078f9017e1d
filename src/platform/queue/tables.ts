import type { Generated } from 'kysely';

/**
 * One row per job that is waiting, running (leased) or dead. Completed jobs are deleted, not
 * kept: each completion would otherwise leave a row to vacuum and a bigger hot index (DESIGN.md §4).
 *
 * A leased job keeps state 'ready': the claim moves `run_at` to the lease's expiry, so a job whose
 * worker died becomes due again by itself, and "due" is one index range (`state, priority, run_at`).
 */
export interface JobsTable {
  id: string;
  kind: string;
  /** JSON text. */
  payload: string;
  workspace_id: string | null;
  /** 'ready' (waiting or leased) | 'dead' (gave up; listed and retried by hand). */
  state: string;
  /** Lower runs first. */
  priority: Generated<number>;
  /** When the job may next be claimed (ms). While leased: the lease's expiry. */
  run_at: number;
  /** Claims so far, counted at claim time (a job that kills its worker still dead-letters). */
  attempts: Generated<number>;
  /** Fresh per claim; completion and failure only apply where it still matches (fencing). */
  lease_token: string | null;
  lease_expires_at: number | null;
  locked_by: string | null;
  /** Idempotent enqueue: a second job with the same key is not created while the first exists. */
  unique_key: string | null;
  last_error: string | null;
  created_at: number;
  dead_at: number | null;
}

declare module '../db/tables.ts' {
  interface Tables {
    jobs: JobsTable;
  }
}
