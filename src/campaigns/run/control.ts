import { sql } from 'kysely';
import { enqueueDispatch, PRIORITY } from '../../messaging/dispatch/enqueue-dispatch.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { CampaignRow } from '../campaign.ts';
import { campaignInterestChanged } from '../triggers/interest-cache.ts';

export interface ControlDeps {
  database: Database;
  clock: Clock;
  ttlMs: number;
  wake: (numberId: string) => void;
}

export async function loadCampaign(database: Database | Tx, workspaceId: string, id: string): Promise<CampaignRow> {
  const row = await database.db.selectFrom('campaigns').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Campaign ${id} not found`);
  return row;
}

function conflict(c: CampaignRow, action: string): never {
  throw new AppError('conflict', `Campaign ${c.id} is ${c.status}; it cannot be ${action}`);
}

/**
 * Takes the campaign's queued (not yet sent) messages out of the dispatch queue. On PostgreSQL the
 * number's lease row is locked first: the dispatcher's decision to send (markSending) updates that
 * row in its transaction, so the two serialise and no message is sent after being withdrawn.
 */
async function withdrawQueued(tx: Tx, dialect: Database['dialect'], c: CampaignRow): Promise<string[]> {
  if (c.number_id && dialect === 'postgres') await sql`select 1 from number_leases where number_id = ${c.number_id} for update`.execute(tx.db);
  const ids = (await tx.db.selectFrom('messages').select('id').where('campaign_id', '=', c.id).where('status', '=', 'queued').execute()).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) await tx.db.deleteFrom('dispatch_queue').where('message_id', 'in', ids.slice(i, i + 500)).execute();
  return ids;
}

/** Pause: no new recipient is fed, and messages not yet sent leave the dispatch queue (they stay queued). */
export async function pauseCampaign(deps: ControlDeps, workspaceId: string, id: string, reason = 'paused by an operator'): Promise<void> {
  const { database, clock } = deps;
  await database.transaction(async (tx) => {
    const c = await loadCampaign(tx, workspaceId, id);
    if (c.status !== 'running' && c.status !== 'scheduled') conflict(c, 'paused');
    const now = clock.nowMs();
    await tx.db.updateTable('campaigns').set({ status: 'paused', status_reason: reason, updated_at: now }).where('id', '=', id).execute();
    await withdrawQueued(tx, database.dialect, c);
  });
}

/** Resume: the withdrawn messages go back into the queue (with a fresh time to live) and feeding continues. */
export async function resumeCampaign(deps: ControlDeps, workspaceId: string, id: string): Promise<void> {
  const { database, clock } = deps;
  await database.transaction(async (tx) => {
    const c = await loadCampaign(tx, workspaceId, id);
    if (c.status !== 'paused') conflict(c, 'resumed');
    const now = clock.nowMs();
    const next = c.started_at === null && c.scheduled_at !== null && c.scheduled_at > now ? 'scheduled' : 'running';
    await tx.db.updateTable('campaigns').set({ status: next, status_reason: null, started_at: next === 'running' ? (c.started_at ?? now) : null, updated_at: now }).where('id', '=', id).execute();
    if (!c.number_id) return;
    const queued = await tx.db.selectFrom('messages').select(['id', 'recipient']).where('campaign_id', '=', id).where('status', '=', 'queued').execute();
    const inQueue = new Set<string>();
    for (let i = 0; i < queued.length; i += 500) {
      for (const r of await tx.db.selectFrom('dispatch_queue').select('message_id').where('message_id', 'in', queued.slice(i, i + 500).map((q) => q.id)).execute()) inQueue.add(r.message_id);
    }
    for (const m of queued) {
      if (inQueue.has(m.id)) continue;
      await tx.db.updateTable('messages').set({ expires_at: now + deps.ttlMs, updated_at: now }).where('id', '=', m.id).execute();
      await enqueueDispatch(tx, { messageId: m.id, numberId: c.number_id, workspaceId, recipient: m.recipient, priority: PRIORITY.campaign, expiresAt: now + deps.ttlMs, now }, deps.wake);
    }
  });
}

/**
 * Cancel: final. Messages not yet sent are withdrawn and marked expired ("Campaign cancelled"),
 * recipients not yet sent are marked cancelled; what was sent stays sent.
 */
export async function cancelCampaign(deps: ControlDeps, workspaceId: string, id: string): Promise<void> {
  const { database, clock } = deps;
  await database.transaction(async (tx) => {
    const c = await loadCampaign(tx, workspaceId, id);
    if (c.status === 'completed' || c.status === 'cancelled') conflict(c, 'cancelled');
    const now = clock.nowMs();
    await tx.db.updateTable('campaigns').set({ status: 'cancelled', status_reason: 'cancelled by an operator', completed_at: now, updated_at: now }).where('id', '=', id).execute();
    const ids = await withdrawQueued(tx, database.dialect, c);
    for (let i = 0; i < ids.length; i += 500) {
      await tx.db
        .updateTable('messages')
        .set({ status: 'expired', error_title: 'Campaign cancelled', updated_at: now })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('status', '=', 'queued')
        .execute();
    }
    await tx.db.updateTable('campaign_recipients').set({ state: 'cancelled', skip_reason: 'campaign_cancelled', updated_at: now }).where('campaign_id', '=', id).where('state', '=', 'pending').execute();
    await tx.db.updateTable('campaign_triggers').set({ state: 'stopped', reason: 'campaign_cancelled', updated_at: now }).where('campaign_id', '=', id).where('state', '=', 'waiting').execute();
  });
}

/**
 * Meta error codes worth sending again later: throttling and pair rate (the dispatcher retries
 * these itself, so they reach a recipient only after its time to live), temporary service errors,
 * Meta's per-user marketing cap and spam rate limit, maintenance, and an unpaid account (fixed by
 * the brand). Never `unknown` (the message may have arrived) and never one that was sent.
 */
export const RETRYABLE_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131042, 131048, 131049, 131056, 131057, 133004]);

export function isRetryable(status: string, errorCode: number | null): boolean {
  if (status === 'expired') return true;
  return status === 'failed' && errorCode !== null && RETRYABLE_CODES.has(Number(errorCode));
}

/**
 * "Retry failed": recipients whose message expired unsent or failed with a retryable cause become
 * pending again (a new message is sent to each); everyone else — sent, delivered, read, failed for
 * good, unknown — is left alone. A completed campaign runs again until they are final.
 */
export async function retryFailed(deps: ControlDeps, workspaceId: string, id: string): Promise<{ retried: number; notRetryable: number }> {
  const { database, clock } = deps;
  const c = await loadCampaign(database, workspaceId, id);
  if (c.type !== 'Broadcast' || (c.status !== 'completed' && c.status !== 'running' && c.status !== 'paused')) conflict(c, 'retried');
  let retried = 0;
  let notRetryable = 0;
  let after = -1;
  for (;;) {
    const rows = await database.db
      .selectFrom('campaign_recipients as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .select(['r.seq', 'm.status', 'm.error_code', 'm.error_title'])
      .where('r.campaign_id', '=', id)
      .where('r.state', '=', 'enqueued')
      .where('r.seq', '>', after)
      .where('m.status', 'in', ['failed', 'expired'])
      .orderBy('r.seq')
      .limit(1000)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    // A cancelled message is not a failure of the send.
    const seqs = rows.filter((r) => isRetryable(r.status, r.error_code) && r.error_title !== 'Campaign cancelled').map((r) => r.seq);
    notRetryable += rows.length - seqs.length;
    if (seqs.length === 0) continue;
    const now = clock.nowMs();
    await database.transaction(async (tx) => {
      const u = await tx.db.updateTable('campaign_recipients').set({ state: 'pending', message_id: null, updated_at: now }).where('campaign_id', '=', id).where('seq', 'in', seqs).where('state', '=', 'enqueued').executeTakeFirst();
      retried += Number(u.numUpdatedRows);
    });
  }
  if (retried > 0) {
    const now = clock.nowMs();
    await database.transaction(async (tx) => {
      await tx.db.updateTable('campaigns').set({ status: 'running', completed_at: null, updated_at: now }).where('id', '=', id).where('status', '=', 'completed').execute();
      // Running again: its conversion window is open again.
      campaignInterestChanged(tx, database, workspaceId);
    });
  }
  return { retried, notRetryable };
}
