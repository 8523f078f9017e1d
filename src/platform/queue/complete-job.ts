import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';

export interface LeasedRef {
  id: string;
  leaseToken: string;
}

/** `(lease_token = t1 and id in (…)) or (lease_token = t2 and id in (…))` — fenced by token. */
function fenced(refs: LeasedRef[]): Expression<SqlBool> {
  const byToken = new Map<string, string[]>();
  for (const r of refs) {
    const ids = byToken.get(r.leaseToken);
    if (ids) ids.push(r.id);
    else byToken.set(r.leaseToken, [r.id]);
  }
  return sql<SqlBool>`(${sql.join(
    [...byToken].map(([token, ids]) => sql`(lease_token = ${token} and id in (${sql.join(ids)}))`),
    sql` or `,
  )})`;
}

/**
 * Deletes completed jobs — many in one statement — but only where the lease token still matches:
 * a worker whose lease expired and whose job was claimed again cannot complete it. Returns the ids
 * actually deleted.
 */
export async function completeJobs(trx: Db, refs: LeasedRef[]): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const rows = await trx.deleteFrom('jobs').where(fenced(refs)).returning('id').execute();
  return new Set(rows.map((r) => r.id));
}

/** A recurring job's completion: the same row waits for its next period (attempts reset). */
export async function rescheduleJob(trx: Db, ref: LeasedRef, runAt: number): Promise<boolean> {
  const r = await trx
    .updateTable('jobs')
    .set({ run_at: runAt, attempts: 0, lease_token: null, lease_expires_at: null, locked_by: null, last_error: null })
    .where('id', '=', ref.id)
    .where('lease_token', '=', ref.leaseToken)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Gives back jobs that were claimed but never started (a stopping worker's buffer): due at once,
 * and the claim's attempt uncounted since nothing ran.
 */
export async function releaseJobs(trx: Db, refs: LeasedRef[], nowMs: number): Promise<number> {
  if (refs.length === 0) return 0;
  const r = await trx
    .updateTable('jobs')
    .set((eb) => ({
      run_at: nowMs,
      attempts: eb('attempts', '-', 1),
      lease_token: null,
      lease_expires_at: null,
      locked_by: null,
    }))
    .where(fenced(refs))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Extends the leases of jobs still running (heartbeat). Returns the ids still held. */
export async function extendLeases(trx: Db, refs: LeasedRef[], expiresAt: number): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const rows = await trx
    .updateTable('jobs')
    .set({ lease_expires_at: expiresAt, run_at: expiresAt })
    .where(fenced(refs))
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}
