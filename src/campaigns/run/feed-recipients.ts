import type { Insertable } from 'kysely';
import { parseWaId } from '../../contacts/index.ts';
import type { OutboundContent } from '../../messaging/content.ts';
import { enqueueDispatch, PRIORITY } from '../../messaging/dispatch/enqueue-dispatch.ts';
import { messageRow } from '../../messaging/message-row.ts';
import { buildTemplateObject } from '../../messaging/send/build-template.ts';
import type { MessagesTable } from '../../messaging/tables.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Db } from '../../platform/db/database.ts';
import { isAppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Template } from '../../templates/index.ts';
import type { CampaignRow } from '../campaign.ts';
import type { ClickTokens } from '../clicks/click-token.ts';
import { trackedLinksFor, withClickTokens } from '../clicks/tracked-values.ts';
import { contactForPhone, loadContactsForSend, optedOutOfMarketing } from '../contacts-port.ts';
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

    const contactIds: string[] = [];
    // An Ongoing campaign's rows carry "#<trigger id>" after the phone (see fire-triggers.ts).
    for (const r of pending) r.phone = r.phone.split('#')[0]!;
    for (const r of pending) {
      r.contact_id ??= await contactForPhone(tx, clock, campaign.workspace_id, parseWaId(r.phone));
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

    for (let i = 0; i < messages.length; i += 200) await tx.db.insertInto('messages').values(messages.slice(i, i + 200)).execute();
    for (let i = 0; i < enqueued.length; i += 300) {
      const chunk = enqueued.slice(i, i + 300);
      await tx.db
        .insertInto('conversations')
        .values(chunk.map((e) => ({ id: newId(now), workspace_id: campaign.workspace_id, number_id: number.id, contact_id: e.contactId, last_message_id: e.messageId, last_message_at: now, last_inbound_at: null, window_expires_at: null, fep_expires_at: null, unread_count: 0, created_at: now, updated_at: now })))
        .onConflict((oc) =>
          oc.columns(['number_id', 'contact_id']).doUpdateSet((eb) => ({ last_message_id: eb.ref('excluded.last_message_id'), last_message_at: eb.ref('excluded.last_message_at'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .execute();
    }
    for (const e of enqueued) {
      await enqueueDispatch(tx, { messageId: e.messageId, numberId: number.id, workspaceId: campaign.workspace_id, recipient: e.phone, priority: PRIORITY.campaign, expiresAt: now + deps.ttlMs, now }, deps.wake);
      const u = await tx.db
        .updateTable('campaign_recipients')
        .set({ state: 'enqueued', message_id: e.messageId, contact_id: e.contactId, attempt: e.attempt + 1, updated_at: now })
        .where('campaign_id', '=', campaign.id)
        .where('seq', '=', e.seq)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) throw new Error(`campaign ${campaign.id} recipient ${e.seq} was moved by another writer; batch rolled back`);
    }
    for (const s of skipped) {
      await tx.db
        .updateTable('campaign_recipients')
        .set({ state: 'skipped', skip_reason: s.reason.slice(0, 500), contact_id: s.contactId, updated_at: now })
        .where('campaign_id', '=', campaign.id)
        .where('seq', '=', s.seq)
        .where('state', '=', 'pending')
        .execute();
    }
    return { enqueued: enqueued.length, skipped: skipped.length };
  });
}
