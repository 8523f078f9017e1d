import type { Clock } from '../../platform/clock.ts';
import type { Database, Db } from '../../platform/db/database.ts';

/** Message statuses that are not final for a recipient (still to be sent, or in flight). */
export const OPEN_STATUSES = ['queued', 'sending'] as const;

/**
 * Whether every recipient row of a frozen campaign is final: none pending, and none whose message
 * is still queued or in flight (sent, delivered, read, failed, expired and unknown are final).
 * Two index probes — (campaign, state) on the recipients and (campaign_id, status) on messages —
 * so the check costs the same for 100 or 100,000 recipients.
 */
export async function allRecipientsFinal(db: Db, campaignId: string): Promise<boolean> {
  const pending = await db.selectFrom('campaign_recipients').select('seq').where('campaign_id', '=', campaignId).where('state', '=', 'pending').limit(1).executeTakeFirst();
  if (pending) return false;
  const open = await db.selectFrom('messages').select('id').where('campaign_id', '=', campaignId).where('status', 'in', [...OPEN_STATUSES]).limit(1).executeTakeFirst();
  return !open;
}

/** Marks a running, frozen campaign completed when every recipient is final. Returns true if it did. */
export async function completeIfDone(database: Database, clock: Clock, campaignId: string): Promise<boolean> {
  if (!(await allRecipientsFinal(database.db, campaignId))) return false;
  const now = clock.nowMs();
  return database.transaction(async (tx) => {
    // Re-checked inside the write: a retry may have made recipients pending meanwhile.
    if (!(await allRecipientsFinal(tx.db, campaignId))) return false;
    const r = await tx.db.updateTable('campaigns').set({ status: 'completed', completed_at: now, updated_at: now }).where('id', '=', campaignId).where('status', '=', 'running').where('frozen', '=', 1).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  });
}
