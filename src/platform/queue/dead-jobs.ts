import type { Database, Trx } from '../db/database.ts';
import type { DeadJob } from './types.ts';

export interface ListDeadInput {
  kind?: string;
  workspaceId?: string;
  limit?: number;
}

/** Dead jobs, most recently dead first. */
export async function listDeadJobs(database: Database, input: ListDeadInput = {}): Promise<DeadJob[]> {
  let q = database.db
    .selectFrom('jobs')
    .select(['id', 'kind', 'payload', 'workspace_id', 'attempts', 'last_error', 'unique_key', 'created_at', 'dead_at'])
    .where('state', '=', 'dead');
  if (input.kind !== undefined) q = q.where('kind', '=', input.kind);
  if (input.workspaceId !== undefined) q = q.where('workspace_id', '=', input.workspaceId);
  const limit = Math.max(1, Math.min(1_000, Math.floor(input.limit ?? 100)));
  const rows = await q.orderBy('dead_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    payload: parsePayload(r.payload),
    workspaceId: r.workspace_id,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    uniqueKey: r.unique_key,
    createdAt: Number(r.created_at),
    deadAt: Number(r.dead_at),
  }));
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Puts a dead job back in line, due now, with its attempts reset. False if it is not dead. */
export async function retryDeadJob(trx: Trx, id: string, nowMs: number): Promise<boolean> {
  const r = await trx
    .updateTable('jobs')
    .set({ state: 'ready', dead_at: null, attempts: 0, run_at: nowMs, lease_token: null, lease_expires_at: null, locked_by: null })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Waiting (due or scheduled), running (leased), dead. */
export async function countJobs(database: Database, nowMs: number): Promise<{ ready: number; running: number; dead: number }> {
  const rows = await database.db
    .selectFrom('jobs')
    .select((eb) => [
      'state',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb.case().when('lease_expires_at', '>', nowMs).then(1).else(0).end()).as('leased'),
    ])
    .groupBy('state')
    .execute();
  const out = { ready: 0, running: 0, dead: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    const leased = Number(r.leased ?? 0);
    if (r.state === 'dead') out.dead += n;
    else {
      out.running += leased;
      out.ready += n - leased;
    }
  }
  return out;
}
