import type { Dialect, Tx } from '../platform/db/database.ts';
import { enqueueJob } from '../platform/queue/enqueue.ts';
import { autoAssignInTx, statusEvent } from './assignment.ts';
import { isOpenAt } from './business-hours.ts';
import { lockState, updateState } from './conversation-state.ts';
import { publishInboxEvents, wakeInboxJobs, type InboxEvent } from './events/publish.ts';
import { OUT_OF_HOURS_JOB, type OutOfHoursPayload } from './out-of-hours-reply.ts';
import { getInboxSettings } from './settings.ts';

export interface InboundForInbox {
  workspaceId: string;
  numberId: string;
  contactId: string;
  conversationId: string;
  messageId: string;
  /** Cloud API type of the message (text, image, …; system notices do not open the inbox). */
  type: string;
  occurredAt: number;
  now: number;
}

/**
 * What the inbox does with a customer's new message, in the inbound transaction (called once per
 * stored message from record-inbound-messages.ts): publish it to live streams; open the
 * conversation if it is new or was closed, and then auto-assign it (default team, round robin);
 * outside business hours, queue the out-of-hours reply (at most one per conversation per
 * cooldown) — the reply is sent by a job after commit, through the normal send path.
 */
export async function onInboundMessage(tx: Tx, dialect: Dialect, m: InboundForInbox): Promise<void> {
  const ref = { workspaceId: m.workspaceId, conversationId: m.conversationId, numberId: m.numberId, contactId: m.contactId };
  const events: InboxEvent[] = [
    {
      workspaceId: m.workspaceId,
      type: 'message.received',
      payload: { conversationId: m.conversationId, numberId: m.numberId, contactId: m.contactId, messageId: m.messageId, messageType: m.type, occurredAt: new Date(m.occurredAt).toISOString() },
    },
  ];
  if (m.type !== 'system') {
    const { row, created } = await lockState(tx, dialect, ref, m.now);
    let state = row;
    const reopened = !created && row.status === 'closed';
    if (reopened) {
      await updateState(tx, ref, { status: 'open', opened_at: m.now, closed_at: null, updated_at: m.now });
      state = { ...row, status: 'open', opened_at: m.now, closed_at: null };
      events.push(statusEvent(ref, 'open', 'auto'));
    }
    const settings = await getInboxSettings(tx.db, m.workspaceId);
    if (created || reopened) {
      const assigned = await autoAssignInTx(tx, dialect, ref, state, settings.defaultTeamId, m.now);
      if (assigned) events.push(assigned);
    }
    const ooh = settings.outOfHours;
    if (ooh.enabled && ooh.message && settings.businessHours.enabled) {
      const ws = await tx.db.selectFrom('workspaces').select('time_zone').where('id', '=', m.workspaceId).executeTakeFirstOrThrow();
      const cooled = state.last_auto_reply_at === null || m.now - Number(state.last_auto_reply_at) >= ooh.cooldownMinutes * 60_000;
      if (cooled && !isOpenAt(settings.businessHours, ws.time_zone, m.now)) {
        await updateState(tx, ref, { last_auto_reply_at: m.now });
        const payload: OutOfHoursPayload = { workspaceId: m.workspaceId, numberId: m.numberId, contactId: m.contactId, inboundMessageId: m.messageId };
        await enqueueJob(tx.db, m.now, { kind: OUT_OF_HOURS_JOB, payload, workspaceId: m.workspaceId, uniqueKey: `inbox.ooh:${m.messageId}`, priority: 10 });
        tx.afterCommit(wakeInboxJobs);
      }
    }
  }
  await publishInboxEvents(tx, m.now, events);
}
