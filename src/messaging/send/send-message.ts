import type { ParsedPhone } from '../../contacts/index.ts';
import { assertMarketingAllowed, upsertContactForSend } from '../../contacts/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { OutboundContent } from '../content.ts';
import { enqueueDispatch, PRIORITY } from '../dispatch/enqueue-dispatch.ts';
import { answerAfterRace, IdempotencyRace, storeIdempotencyKey, type IdempotencyRequest, type StoredAnswer } from './idempotency.ts';
import type { SendingNumber } from './sending-numbers.ts';
import { insertMessage, messageRow } from '../message-row.ts';
import { precompiled } from '../../platform/db/precompiled.ts';

/** The conversation of (number, contact) gets this message as its last (created with the first send). */
const touchConversation = precompiled<{ id: string; workspace_id: string; number_id: string; contact_id: string; message_id: string; now: number }>((db, a) =>
  db
    .insertInto('conversations')
    .values({
      id: a('id'),
      workspace_id: a('workspace_id'),
      number_id: a('number_id'),
      contact_id: a('contact_id'),
      last_message_id: a('message_id'),
      last_message_at: a('now'),
      last_inbound_at: null,
      window_expires_at: null,
      fep_expires_at: null,
      unread_count: 0,
      created_at: a('now'),
      updated_at: a('now'),
    })
    .onConflict((oc) =>
      oc.columns(['number_id', 'contact_id']).doUpdateSet((eb) => ({
        last_message_id: eb.ref('excluded.last_message_id'),
        last_message_at: eb.ref('excluded.last_message_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    ),
);

/** Authentication templates expire after 10 minutes (Meta's default for them). */
export const AUTHENTICATION_TTL_MS = 10 * 60_000;

export interface AcceptSendInput {
  workspaceId: string;
  number: SendingNumber;
  phone: ParsedPhone;
  /** Known for session sends (they need an existing contact); template sends upsert it. */
  contactId: string | null;
  userId?: string | null | undefined;
  content: OutboundContent;
  template?: { name: string; language: string; category: string } | undefined;
  callbackData?: string | null | undefined;
  campaignId?: string | null | undefined;
  replyToWamid?: string | null | undefined;
  source: 'api' | 'agent' | 'automation' | 'campaign';
  ttlMs: number;
  idempotency?: (IdempotencyRequest & { replaceExpired: boolean }) | undefined;
  /** The answer the caller will give, stored with the idempotency key. */
  answer: (messageId: string) => StoredAnswer;
  /** Wakes the number's dispatcher after commit. */
  wake: (numberId: string) => void;
  /** The message's id when the caller needed it first (a tracked template's click token is signed with it); default: a new one. */
  messageId?: string | undefined;
}

export interface AcceptedSend {
  messageId: string;
  answer: StoredAnswer;
  /** True when this is the stored answer of an earlier request with the same Idempotency-Key. */
  repeated: boolean;
}

/**
 * Stores an outbound message and its send job in one durable transaction (DESIGN.md §2): the
 * contact (template sends create it), the message row (queued, with its time to live), the
 * conversation's last message, the dispatch queue row, and the Idempotency-Key's answer. Nothing
 * is sent here; the dispatcher is woken once the transaction commits.
 */
export async function acceptSend(database: Database, clock: Clock, input: AcceptSendInput): Promise<AcceptedSend> {
  const now = clock.nowMs();
  const messageId = input.messageId ?? newId(now);
  const answer = input.answer(messageId);
  const expiresAt = now + input.ttlMs;
  const priority = PRIORITY[input.source];
  try {
    await database.transaction(async (tx) => {
      if (input.idempotency) await storeIdempotencyKey(tx, input.idempotency, answer, now, input.idempotency.replaceExpired);
      const contactId = input.contactId ?? (await upsertContactForSend(tx, clock, { workspaceId: input.workspaceId, phone: input.phone, userId: input.userId })).id;
      await assertMarketingAllowed(tx.db, input.workspaceId, contactId, input.template?.category);
      await insertMessage(tx.db, messageRow({
        id: messageId,
        workspace_id: input.workspaceId,
        number_id: input.number.id,
        contact_id: contactId,
        recipient: input.phone.phone,
        direction: 'outbound',
        type: input.content.type,
        content: JSON.stringify(input.content),
        source: input.source,
        callback_data: input.callbackData ?? null,
        campaign_id: input.campaignId ?? null,
        reply_to_wamid: input.replyToWamid ?? null,
        template_name: input.template?.name ?? null,
        template_language: input.template?.language ?? null,
        template_category: input.template?.category ?? null,
        status: 'queued',
        expires_at: expiresAt,
        created_at: now,
        updated_at: now,
      }));
      await touchConversation.execute(tx.db, { id: newId(now), workspace_id: input.workspaceId, number_id: input.number.id, contact_id: contactId, message_id: messageId, now });
      await enqueueDispatch(
        tx,
        { messageId, numberId: input.number.id, workspaceId: input.workspaceId, recipient: input.phone.phone, priority, expiresAt, now },
        input.wake,
      );
    });
  } catch (err) {
    if (err instanceof IdempotencyRace && input.idempotency) {
      return { messageId: '', answer: await answerAfterRace(database.db, input.idempotency, clock.nowMs()), repeated: true };
    }
    throw err;
  }
  return { messageId, answer, repeated: false };
}
