import type { Trx } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { EnqueueInput, EnqueueResult } from './types.ts';

/**
 * Inserts a job inside the caller's transaction, so it commits (or rolls back) with the data it
 * concerns. With a unique key the insert is idempotent: a second enqueue while a job with that key
 * exists returns the existing id and created=false.
 *
 * PostgreSQL: a concurrent uncommitted insert of the same key makes ON CONFLICT wait for it; the
 * following SELECT then sees the committed row (read committed takes a new snapshot per statement).
 */
export async function enqueueJob<P>(trx: Trx, nowMs: number, input: EnqueueInput<P>): Promise<EnqueueResult & { runAt: number }> {
  const id = newId(nowMs);
  const runAt = input.runAt ?? nowMs;
  const payload = JSON.stringify(input.payload ?? null);
  const row = {
    id,
    kind: input.kind,
    payload,
    workspace_id: input.workspaceId ?? null,
    state: 'ready',
    priority: input.priority ?? 100,
    run_at: Math.round(runAt),
    attempts: 0,
    lease_token: null,
    lease_expires_at: null,
    locked_by: null,
    unique_key: input.uniqueKey ?? null,
    last_error: null,
    created_at: nowMs,
    dead_at: null,
  };
  if (input.uniqueKey === undefined) {
    await trx.insertInto('jobs').values(row).execute();
    return { id, created: true, runAt };
  }
  const inserted = await trx
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('unique_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id, created: true, runAt };
  const existing = await trx.selectFrom('jobs').select('id').where('unique_key', '=', input.uniqueKey).executeTakeFirst();
  if (!existing) {
    // The conflicting job was deleted between the two statements (completed); insert again.
    return enqueueJob(trx, nowMs, input);
  }
  return { id: existing.id, created: false, runAt };
}
