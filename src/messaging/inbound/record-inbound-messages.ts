import type { Clock } from '../../platform/clock.ts';
import type { Database, Dialect, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { handleInboundOptKeyword, upsertContactFromInbound } from '../../contacts/index.ts';
import { inboundMeter } from '../dispatch/inbound-meter.ts';
import type { InboundMessage } from '../provider-events.ts';
import { messageRow } from '../message-row.ts';
import { onInboundMessage } from '../../inbox/index.ts';
import { recordInboundEvents } from '../../webhooks/index.ts';
import { recordQuickReplyClick } from '../../campaigns/index.ts';

/** The customer service window (limits §4.1) and the free entry point window (§4.2). */
export const SERVICE_WINDOW_MS = 24 * 3_600_000;
export const FREE_ENTRY_POINT_MS = 72 * 3_600_000;

export interface RecordInboundInput {
  workspaceId: string;
  numberId: string;
  messages: InboundMessage[];
}

export interface RecordedInbound {
  messageId: string;
  wamid: string;
  contactId: string;
  conversationId: string;
  /** False for a duplicate delivery of a wamid already stored. */
  created: boolean;
}

/**
 * Stores customers' messages (once per wamid), creates or refreshes the contact (profile name),
 * opens or extends the conversation's 24-hour service window (a click-to-WhatsApp referral also
 * opens the 72-hour free entry point window), bumps the unread count and the last message, then
 * debits the number's throughput bucket (Meta counts inbound too).
 *
 * Simplification: Meta opens the free entry point window when the business answers the referral
 * within 24 h, for 72 h from that answer; here it is opened at the inbound message, 72 h from it.
 */
export async function recordInboundMessages(
  database: Database,
  clock: Clock,
  input: RecordInboundInput,
  hooks: { debitInbound?: (numberId: string, n: number) => void } = {},
): Promise<RecordedInbound[]> {
  const messages = [...input.messages].sort((a, b) => a.occurredAt - b.occurredAt);
  return database.transaction(async (tx) => {
    const out: RecordedInbound[] = [];
    for (const m of messages) out.push(await recordOne(tx, database.dialect, clock, input, m));
    const created = out.filter((r) => r.created).length;
    // Outbound webhooks (contract 1): message_received / message_api_clicked, in this transaction.
    await recordInboundEvents(tx, input.workspaceId, out.filter((r) => r.created).map((r) => r.messageId), clock.nowMs());
    tx.afterCommit(() => (hooks.debitInbound ?? inboundMeter.debit)(input.numberId, created));
    return out;
  });
}

async function recordOne(tx: Tx, dialect: Dialect, clock: Clock, input: RecordInboundInput, m: InboundMessage): Promise<RecordedInbound> {
  const now = clock.nowMs();
  const contact = await upsertContactFromInbound(tx, clock, { workspaceId: input.workspaceId, phone: m.from, profileName: m.profileName });
  const conversationId = await ensureConversation(tx, dialect, input, contact.id, now);
  const existing = await tx.db.selectFrom('messages').select('id').where('wamid', '=', m.wamid).executeTakeFirst();
  if (existing) return { messageId: existing.id, wamid: m.wamid, contactId: contact.id, conversationId, created: false };

  const id = newId(now);
  const content = {
    ...m.content,
    type: m.type,
    ...(m.media ? { media: m.media } : {}),
    ...(m.referral ? { referral: m.referral } : {}),
  };
  const inserted = await tx.db
    .insertInto('messages')
    .values(messageRow({
      id,
      workspace_id: input.workspaceId,
      number_id: input.numberId,
      contact_id: contact.id,
      recipient: m.from,
      direction: 'inbound',
      type: m.type,
      content: JSON.stringify(content),
      source: 'customer',
      reply_to_wamid: m.contextWamid,
      wamid: m.wamid,
      status: 'received',
      created_at: m.occurredAt,
      updated_at: now,
    }))
    // Two deliveries of one webhook processed at once (PostgreSQL): the unique wamid decides.
    .onConflict((oc) => oc.column('wamid').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    const row = await tx.db.selectFrom('messages').select('id').where('wamid', '=', m.wamid).executeTakeFirstOrThrow();
    return { messageId: row.id, wamid: m.wamid, contactId: contact.id, conversationId, created: false };
  }

  const conv = await tx.db
    .selectFrom('conversations')
    .select(['last_message_at', 'last_inbound_at', 'window_expires_at', 'fep_expires_at', 'unread_count'])
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  // System notices (a customer changed number) are not the customer writing: no window.
  const opensWindow = m.type !== 'system';
  const newer = conv.last_message_at === null || m.occurredAt >= Number(conv.last_message_at);
  await tx.db
    .updateTable('conversations')
    .set({
      unread_count: Number(conv.unread_count) + 1,
      ...(newer ? { last_message_id: id, last_message_at: m.occurredAt } : {}),
      ...(opensWindow
        ? {
            last_inbound_at: Math.max(Number(conv.last_inbound_at ?? 0), m.occurredAt),
            window_expires_at: Math.max(Number(conv.window_expires_at ?? 0), m.occurredAt + SERVICE_WINDOW_MS),
          }
        : {}),
      ...(m.referral ? { fep_expires_at: Math.max(Number(conv.fep_expires_at ?? 0), m.occurredAt + FREE_ENTRY_POINT_MS) } : {}),
      updated_at: now,
    })
    .where('id', '=', conversationId)
    .execute();
  // Inbox: live event, open/reopen and auto-assign, out-of-hours reply (one call, this transaction).
  await onInboundMessage(tx, dialect, { workspaceId: input.workspaceId, numberId: input.numberId, contactId: contact.id, conversationId, messageId: id, type: m.type, occurredAt: m.occurredAt, now });
  // Contacts: STOP/START (and the workspace's keywords) opt out/in, with a timeline event and a confirmation.
  await handleInboundOptKeyword(tx, { workspaceId: input.workspaceId, numberId: input.numberId, contactId: contact.id, phone: m.from, messageId: id, type: m.type, content: m.content, occurredAt: m.occurredAt, nowMs: now });
  // Campaigns: a quick-reply press on a campaign's template counts as a click.
  const pressed = quickReplyText(m);
  if (pressed !== null && m.contextWamid) await recordQuickReplyClick(tx, input.workspaceId, m.contextWamid, pressed, now);
  return { messageId: id, wamid: m.wamid, contactId: contact.id, conversationId, created: true };
}

/** The text of a pressed quick-reply button (template `button`, or an interactive `button_reply`), else null. */
function quickReplyText(m: InboundMessage): string | null {
  const c = m.content as { button?: { text?: unknown }; interactive?: { type?: unknown; button_reply?: { title?: unknown } } };
  if (m.type === 'button' && typeof c.button?.text === 'string') return c.button.text;
  if (m.type === 'interactive' && c.interactive?.type === 'button_reply' && typeof c.interactive.button_reply?.title === 'string') return c.interactive.button_reply.title;
  return null;
}

/** The conversation of (number, contact), created if needed; locked for this transaction on PostgreSQL. */
export async function ensureConversation(tx: Tx, dialect: Dialect, input: { workspaceId: string; numberId: string }, contactId: string, now: number): Promise<string> {
  await tx.db
    .insertInto('conversations')
    .values({
      id: newId(now),
      workspace_id: input.workspaceId,
      number_id: input.numberId,
      contact_id: contactId,
      last_message_id: null,
      last_message_at: null,
      last_inbound_at: null,
      window_expires_at: null,
      fep_expires_at: null,
      unread_count: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['number_id', 'contact_id']).doNothing())
    .execute();
  let q = tx.db.selectFrom('conversations').select('id').where('number_id', '=', input.numberId).where('contact_id', '=', contactId);
  // Serialises concurrent inbound for one conversation (SQLite has one writer anyway).
  if (dialect === 'postgres') q = q.forUpdate();
  return (await q.executeTakeFirstOrThrow()).id;
}
