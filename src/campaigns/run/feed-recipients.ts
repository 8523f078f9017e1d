import type { Insertable } from 'kysely';
import type { OutboundContent } from '../../messaging/content.ts';
import { enqueueDispatchMany, PRIORITY } from '../../messaging/dispatch/enqueue-dispatch.ts';
import { messageRow } from '../../messaging/message-row.ts';
import { buildTemplateObject } from '../../messaging/send/build-template.ts';
import type { MessagesTable } from '../../messaging/tables.ts';
import type { Clock } from '../../platform/clock.ts';
import { dialectOf, insertFlat } from '../../platform/db/bulk-insert.ts';
import type { Database, Db, Tx } from '../../platform/db/database.ts';
import { precompiled } from '../../platform/db/precompiled.ts';
import { isAppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Template } from '../../templates/index.ts';
import type { CampaignRow } from '../campaign.ts';
import type { ClickTokens } from '../clicks/click-token.ts';
import { trackedLinksFor, withClickTokens } from '../clicks/tracked-values.ts';
import { contactsForPhones, loadContactsForSend, optedOutOfMarketing } from '../contacts-port.ts';
import { resolveValues, type VariableMapping } from '../mapping.ts';

export const FEED_BATCH = 500;

export interface FeedDeps {
  database: Database;
  clock: Clock;
  tokens: ClickTokens;
  /** Time to live of campaign messages (a message still queued then expires, a retryable cause). */
  ttlMs: number;
  wake: (numberId: string) => void;
}

export interface FeedNumber {
  id: string;
  isSandbox: boolean;
}

/** Campaign sends of a number waiting in the dispatch queue (index range on dispatch_queue_order). */
export async function queuedCampaignSends(db: Db, numberId: string): Promise<number> {
  const r = await db
    .selectFrom('dispatch_queue')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('number_id', '=', numberId)
    .where('priority', '=', PRIORITY.campaign)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Sends the next `limit` pending recipients of a running campaign: in one transaction, creates
 * each one's contact if new, skips opted-out contacts (marketing templates) and recipients whose
 * values are missing or break a Cloud API rule (with the reason), and for the rest writes the
 * message, the conversation's last message and the dispatch row — the same rows, through the same
 * `enqueueDispatch`, as an API send, at campaign priority — and records the message id on the
 * recipient row. The campaign row is touched first with `status = 'running'`, so a pause or cancel
 * committed meanwhile makes this a no-op (and on PostgreSQL holds the row against one in flight).
 * A recipient row moves only from `pending`: if another writer moved it, the batch rolls back.
 */
export async function feedBatch(deps: FeedDeps, campaign: CampaignRow, number: FeedNumber, template: Template, limit = FEED_BATCH): Promise<{ enqueued: number; skipped: number }> {
  const { database, clock } = deps;
  const pending = await database.db
    .selectFrom('campaign_recipients')
    .select(['seq', 'phone', 'contact_id', 'variables', 'attempt'])
    .where('campaign_id', '=', campaign.id)
    .where('state', '=', 'pending')
    .orderBy('seq')
    .limit(limit)
    .execute();
  if (pending.length === 0) return { enqueued: 0, skipped: 0 };
  const mapping = JSON.parse(campaign.mapping) as VariableMapping;
  const tracked = trackedLinksFor(template, JSON.parse(campaign.tracked_links) as Record<string, string>);
  const media = { allowPrivate: number.isSandbox };
  const marketing = template.category === 'MARKETING';
  const templateRef = { name: template.name, language: template.language, category: template.category };

  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    const live = await tx.db.updateTable('campaigns').set({ updated_at: now }).where('id', '=', campaign.id).where('status', '=', 'running').executeTakeFirst();
    if (Number(live.numUpdatedRows) === 0) return { enqueued: 0, skipped: 0 };

    // An Ongoing campaign's rows carry "#<trigger id>" after the phone (see fire-triggers.ts).
    for (const r of pending) r.phone = r.phone.split('#')[0]!;
    const created = await contactsForPhones(tx, clock, campaign.workspace_id, pending.filter((r) => r.contact_id === null).map((r) => r.phone));
    const contactIds: string[] = [];
    for (const r of pending) {
      r.contact_id ??= created.get(r.phone)!;
      contactIds.push(r.contact_id);
    }
    const contacts = await loadContactsForSend(tx.db, campaign.workspace_id, contactIds);
    const optedOut = marketing ? await optedOutOfMarketing(tx.db, campaign.workspace_id, contactIds) : new Set<string>();

    const messages: Insertable<MessagesTable>[] = [];
    const enqueued: { seq: number; messageId: string; contactId: string; phone: string; attempt: number }[] = [];
    const skipped: { seq: number; contactId: string; reason: string }[] = [];
    for (const r of pending) {
      const contact = contacts.get(r.contact_id!);
      const contactId = r.contact_id!;
      if (optedOut.has(contactId)) {
        skipped.push({ seq: r.seq, contactId, reason: 'opted_out: the contact opted out of marketing messages' });
        continue;
      }
      const messageId = newId(now);
      const { values, missing } = resolveValues(mapping, { phone: r.phone, name: contact?.name ?? null, traits: contact?.traits ?? {}, columns: r.variables ? (JSON.parse(r.variables) as Record<string, string>) : null });
      if (missing.length > 0) {
        skipped.push({ seq: r.seq, contactId, reason: `missing_variables: no value for ${missing.join(', ')}` });
        continue;
      }
      let content: OutboundContent;
      try {
        // Tracked URL buttons carry this message's signed click token (a mapped value becomes its suffix).
        const sent = withClickTokens(deps.tokens, tracked, values, messageId, 'variables.buttons');
        content = { type: 'template', template: buildTemplateObject(template, sent, media) } as OutboundContent;
      } catch (err) {
        if (!isAppError(err)) throw err;
        skipped.push({ seq: r.seq, contactId, reason: `invalid_variables: ${err.message}` });
        continue;
      }
      messages.push(
        messageRow({
          id: messageId,
          workspace_id: campaign.workspace_id,
          number_id: number.id,
          contact_id: contactId,
          recipient: r.phone,
          direction: 'outbound',
          type: 'template',
          content: JSON.stringify(content),
          source: 'campaign',
          campaign_id: campaign.id,
          template_name: templateRef.name,
          template_language: templateRef.language,
          template_category: templateRef.category,
          status: 'queued',
          expires_at: now + deps.ttlMs,
          created_at: now,
          updated_at: now,
        }),
      );
      enqueued.push({ seq: r.seq, messageId, contactId, phone: r.phone, attempt: Number(r.attempt) });
    }

    await insertMessages(tx, messages);
    // One row per contact, its last message (an Ongoing campaign's batch may hold one contact twice;
    // PostgreSQL refuses a multi-row upsert that touches a row twice).
    const lastOfContact = new Map(enqueued.map((e) => [e.contactId, e.messageId]));
    await upsertConversations(tx, [...lastOfContact].map(([contactId, messageId]) => [newId(now), campaign.workspace_id, number.id, contactId, messageId, now, null, null, null, 0, now, now]));
    const dispatch = enqueued.map((e) => ({ messageId: e.messageId, numberId: number.id, workspaceId: campaign.workspace_id, recipient: e.phone, priority: PRIORITY.campaign, expiresAt: now + deps.ttlMs, now }));
    await enqueueDispatchMany(tx, dispatch, deps.wake);
    for (const e of enqueued) {
      const u = await markEnqueued.execute(tx.db, { campaignId: campaign.id, seq: e.seq, messageId: e.messageId, contactId: e.contactId, attempt: e.attempt + 1, now });
      if (Number(u.numAffectedRows) !== 1) throw new Error(`campaign ${campaign.id} recipient ${e.seq} was moved by another writer; batch rolled back`);
    }
    for (const s of skipped) await markSkipped.execute(tx.db, { campaignId: campaign.id, seq: s.seq, reason: s.reason.slice(0, 500), contactId: s.contactId, now });
    return { enqueued: enqueued.length, skipped: skipped.length };
  });
}

/**
 * The batch's messages in multi-row inserts of bound flat values (bulk-insert.ts): Kysely's
 * multi-row values() built a node tree per value, most of the batch's JS time. The columns are
 * messageRow()'s keys, every row having the same, as Kysely listed them.
 */
async function insertMessages(tx: Tx, messages: Insertable<MessagesTable>[]): Promise<void> {
  if (messages.length === 0) return;
  const columns = Object.keys(messages[0]!) as (keyof Insertable<MessagesTable>)[];
  const values: unknown[] = [];
  for (const m of messages) for (const c of columns) values.push(m[c]);
  await insertFlat(tx.db, dialectOf(tx.db), { table: 'messages', columns }, values, 200);
}

/** Each enqueued message becomes its conversation's last message (the conversation is created when new). */
const CONVERSATIONS = {
  table: 'conversations',
  columns: ['id', 'workspace_id', 'number_id', 'contact_id', 'last_message_id', 'last_message_at', 'last_inbound_at', 'window_expires_at', 'fep_expires_at', 'unread_count', 'created_at', 'updated_at'],
  tail: 'on conflict ("number_id", "contact_id") do update set "last_message_id" = "excluded"."last_message_id", "last_message_at" = "excluded"."last_message_at", "updated_at" = "excluded"."updated_at"',
} as const;

async function upsertConversations(tx: Tx, rows: unknown[][]): Promise<void> {
  await insertFlat(tx.db, dialectOf(tx.db), CONVERSATIONS, rows.flat(), 300);
}

/**
 * One statement per recipient, compiled once: each row takes its own message id, so a set-based
 * update would need an UPDATE … FROM (VALUES …), which measured no faster on SQLite.
 */
const markEnqueued = precompiled<{ campaignId: string; seq: number; messageId: string; contactId: string; attempt: number; now: number }>((db, a) =>
  db
    .updateTable('campaign_recipients')
    .set({ state: 'enqueued', message_id: a('messageId'), contact_id: a('contactId'), attempt: a('attempt'), updated_at: a('now') })
    .where('campaign_id', '=', a('campaignId'))
    .where('seq', '=', a('seq'))
    .where('state', '=', 'pending'),
);

const markSkipped = precompiled<{ campaignId: string; seq: number; reason: string; contactId: string; now: number }>((db, a) =>
  db
    .updateTable('campaign_recipients')
    .set({ state: 'skipped', skip_reason: a('reason'), contact_id: a('contactId'), updated_at: a('now') })
    .where('campaign_id', '=', a('campaignId'))
    .where('seq', '=', a('seq'))
    .where('state', '=', 'pending'),
);
