import type { Db } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { parseConversion } from '../campaign.ts';
import type { TriggerDef } from './trigger-def.ts';

export interface ContactEventInput {
  workspaceId: string;
  contactId: string;
  name: string;
  atMs: number;
}

/**
 * What a tracked contact event means for campaigns, written in the caller's transaction (the
 * contacts module's in-transaction event hook calls this, see event-hook.ts): it stops waiting
 * sends whose `stopIf` it is (of a paused campaign too: its waiting sends fire on resume), starts
 * a delayed send for each running Ongoing campaign it triggers, and records a conversion for
 * every campaign whose goal it is and that sent to this contact within the goal's window.
 */
export async function campaignsOnContactEvent(db: Db, e: ContactEventInput): Promise<void> {
  const ongoing = await db.selectFrom('campaigns').select(['id', 'status', 'trigger_def']).where('workspace_id', '=', e.workspaceId).where('type', '=', 'Ongoing').where('status', 'in', ['running', 'paused']).execute();
  for (const c of ongoing) {
    const t = JSON.parse(c.trigger_def ?? '{}') as TriggerDef;
    if (t.stopIf === e.name) {
      await db
        .updateTable('campaign_triggers')
        .set({ state: 'stopped', reason: `stopped: ${e.name} happened first`, updated_at: e.atMs })
        .where('contact_id', '=', e.contactId)
        .where('state', '=', 'waiting')
        .where('campaign_id', '=', c.id)
        .where('triggered_at', '<=', e.atMs)
        .execute();
    }
    if (t.event === e.name && c.status === 'running') {
      await db
        .insertInto('campaign_triggers')
        .values({ id: newId(e.atMs), campaign_id: c.id, workspace_id: e.workspaceId, contact_id: e.contactId, state: 'waiting', reason: null, triggered_at: e.atMs, due_at: e.atMs + t.delayMinutes * 60_000, updated_at: e.atMs })
        .execute();
    }
  }
  // Conversions: campaigns with this goal that messaged the contact within the window before now.
  const sent = await db
    .selectFrom('campaign_recipients as r')
    .innerJoin('campaigns as c', 'c.id', 'r.campaign_id')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .select(['c.id', 'c.conversion', 'm.created_at'])
    .where('r.contact_id', '=', e.contactId)
    .where('r.state', '=', 'enqueued')
    .where('c.workspace_id', '=', e.workspaceId)
    .where('c.conversion', 'is not', null)
    .where('m.status', 'in', ['sent', 'delivered', 'read'])
    .execute();
  for (const s of sent) {
    const goal = parseConversion(s.conversion);
    if (!goal || goal.event !== e.name) continue;
    if (e.atMs < Number(s.created_at) || e.atMs > Number(s.created_at) + goal.windowMs) continue;
    await db.insertInto('campaign_conversions').values({ campaign_id: s.id, contact_id: e.contactId, event: e.name, converted_at: e.atMs }).onConflict((oc) => oc.columns(['campaign_id', 'contact_id']).doNothing()).execute();
  }
}
