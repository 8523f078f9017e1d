import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { loadContactsForSend } from '../contacts-port.ts';
import { conditionsHold, type TriggerDef } from './trigger-def.ts';

/**
 * Due event-triggered sends become recipients of their Ongoing campaign (the runner feeds them
 * like a broadcast's): if the campaign still runs and the contact meets the conditions now;
 * otherwise the trigger is marked skipped with the reason. A paused campaign's triggers wait.
 * Returns true when a full batch was handled (more may be due).
 */
export async function fireDueTriggers(database: Database, clock: Clock, now: number, limit = 500): Promise<boolean> {
  const due = await database.db
    .selectFrom('campaign_triggers as t')
    .innerJoin('campaigns as c', 'c.id', 't.campaign_id')
    .select(['t.id', 't.campaign_id', 't.workspace_id', 't.contact_id', 'c.trigger_def', 'c.status'])
    .where('t.state', '=', 'waiting')
    .where('t.due_at', '<=', now)
    .where('c.status', 'in', ['running', 'cancelled', 'completed'])
    .orderBy('t.due_at')
    .limit(limit)
    .execute();
  if (due.length === 0) return false;
  await database.transaction(async (tx) => {
    const byWs = new Map<string, string[]>();
    for (const d of due) byWs.set(d.workspace_id, [...(byWs.get(d.workspace_id) ?? []), d.contact_id]);
    const contacts = new Map<string, Awaited<ReturnType<typeof loadContactsForSend>> extends Map<string, infer V> ? V : never>();
    for (const [ws, ids] of byWs) for (const [id, c] of await loadContactsForSend(tx.db, ws, ids)) contacts.set(id, c);
    for (const d of due) {
      const contact = contacts.get(d.contact_id);
      const t = JSON.parse(d.trigger_def ?? '{}') as TriggerDef;
      let skip: string | null = null;
      if (d.status !== 'running') skip = `campaign ${d.status}`;
      else if (!contact) skip = 'contact no longer exists';
      else if (!conditionsHold(t.conditions, contact.traits)) skip = 'conditions not met';
      const moved = await tx.db
        .updateTable('campaign_triggers')
        .set({ state: skip ? 'skipped' : 'fired', reason: skip, updated_at: now })
        .where('id', '=', d.id)
        .where('state', '=', 'waiting')
        .executeTakeFirst();
      if (skip || Number(moved.numUpdatedRows) !== 1) continue;
      const c = await tx.db.selectFrom('campaigns').select('recipient_count').where('id', '=', d.campaign_id).executeTakeFirstOrThrow();
      const seq = Number(c.recipient_count);
      // An ongoing campaign may message one contact many times: the trigger id keeps the row's
      // `phone` key unique; the feeder sends to the contact's phone.
      await tx.db
        .insertInto('campaign_recipients')
        .values({ campaign_id: d.campaign_id, seq, workspace_id: d.workspace_id, phone: `${contact!.phone}#${d.id}`, contact_id: d.contact_id, variables: null, state: 'pending', skip_reason: null, message_id: null, attempt: 0, created_at: now, updated_at: now })
        .execute();
      await tx.db.updateTable('campaigns').set({ recipient_count: seq + 1, updated_at: now }).where('id', '=', d.campaign_id).execute();
    }
  });
  void clock;
  return due.length === limit;
}
