import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { randomUUID } from '../ids.ts';
import type { ClaimedJob } from './types.ts';

export interface ClaimInput {
  kinds: string[];
  limit: number;
  nowMs: number;
  leaseMs: number;
  workerId: string;
}

interface ClaimRow {
  id: string;
  kind: string;
  payload: string;
  workspace_id: string | null;
  attempts: number;
  priority: number;
}

/**
 * Atomically leases up to `limit` due jobs of the given kinds, with one fresh lease token for the
 * batch. Attempts are counted here, at claim time, so a job that crashes its worker every time
 * still reaches its limit. The lease's expiry becomes the job's run_at: if the worker dies, the
 * job is due again when the lease runs out, with no sweeper.
 *
 * PostgreSQL uses `id = ANY(ARRAY(SELECT … LIMIT n FOR UPDATE SKIP LOCKED))`. The tempting
 * `id IN (SELECT … SKIP LOCKED)` was seen (DESIGN.md §4) to switch after a VACUUM of a churned table
 * to a plan that re-runs the subquery per row, ignores the LIMIT and stalls the queue; ARRAY()
 * forces the subquery to run once. SQLite has one writer at a time, so the plain form is atomic.
 */
export async function claimJobs(database: Database, input: ClaimInput): Promise<ClaimedJob[]> {
  if (input.kinds.length === 0 || input.limit <= 0) return [];
  const token = randomUUID();
  const now = input.nowMs;
  const expires = now + input.leaseMs;
  const kinds = sql.join(input.kinds);
  const due = sql`state = 'ready' and run_at <= ${now} and (lease_expires_at is null or lease_expires_at <= ${now}) and kind in (${kinds})`;
  const set = sql`lease_token = ${token}, lease_expires_at = ${expires}, run_at = ${expires}, locked_by = ${input.workerId}, attempts = attempts + 1`;
  const returning = sql`returning id, kind, payload, workspace_id, attempts, priority`;
  const query =
    database.dialect === 'postgres'
      ? sql<ClaimRow>`update jobs set ${set} where id = any(array(
          select id from jobs where ${due} order by priority, run_at limit ${input.limit} for update skip locked
        )) ${returning}`
      : sql<ClaimRow>`update jobs set ${set} where id in (
          select id from jobs where ${due} order by priority, run_at limit ${input.limit}
        ) ${returning}`;
  // One statement is atomic by itself: on PostgreSQL run it in autocommit (no BEGIN/COMMIT round
  // trips); on SQLite it joins the group commit like every other write.
  const rows =
    database.dialect === 'postgres'
      ? (await query.execute(database.db)).rows
      : await database.transaction(async (tx) => (await query.execute(tx.db)).rows);
  // RETURNING order is unspecified; run in priority order, then creation (ids are time-ordered).
  return rows
    .sort((a, b) => Number(a.priority) - Number(b.priority) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      payload: r.payload,
      workspaceId: r.workspace_id,
      attempts: Number(r.attempts),
      leaseToken: token,
      leaseExpiresAt: expires,
    }));
}

/**
 * When the next job of these kinds becomes claimable (ms), or undefined if none waits. Leased
 * jobs count too (their run_at is the lease's expiry), which is what takes over a dead worker's jobs
 * on time.
 */
export async function nextDueAt(database: Database, kinds: string[], afterMs: number): Promise<number | undefined> {
  if (kinds.length === 0) return undefined;
  const row = await database.db
    .selectFrom('jobs')
    .select('run_at')
    .where('state', '=', 'ready')
    .where('run_at', '>', afterMs)
    .where('kind', 'in', kinds)
    .orderBy('run_at')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.run_at) : undefined;
}
