import type { Clock } from '../../../platform/clock.ts';
import type { Database } from '../../../platform/db/database.ts';
import { newId } from '../../../platform/ids.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { MediaStore } from '../../../platform/media/media-store.ts';
import type { JobContext } from '../../../platform/queue/index.ts';
import type { InboundMessage, StatusUpdate } from '../../../messaging/provider-events.ts';
import { TIERS, type BusinessNumberRow } from '../numbers/business-number.ts';
import { credentialsOf } from '../numbers/manage-numbers.ts';
import type { SecretBox } from '../secret-box.ts';
import type { WhatsAppChannel } from '../types.ts';
import { isAccountEventField, recordAccountEvent, recordWabaAccountEvent } from '../../../webhooks/meta-events.ts';
import type { WebhookDownstream } from './downstream.ts';
import { MEDIA_TYPES, parseEnvelope } from './parse-envelope.ts';

export const PROCESS_WEBHOOK_JOB = 'whatsapp.process_webhook';
/** Attempts before inbound media that cannot be downloaded is given up (the message is kept without it). */
export const PROCESS_WEBHOOK_MAX_ATTEMPTS = 8;

export interface ProcessWebhookDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  channel: WhatsAppChannel;
  media: MediaStore;
  downstream: WebhookDownstream;
}

const digits = (s: unknown) => String(s ?? '').replace(/\D/g, '');

/**
 * Processes one stored webhook: statuses → messaging's status machine, inbound messages (media
 * downloaded and kept first) → messaging's inbox, template events → templates, quality and tier
 * updates → the number. Only numbers whose app secret verified the POST are acted on.
 * Idempotent: a processed row is skipped; a crash midway re-runs steps that are themselves
 * idempotent (statuses and inbound dedupe by wamid, media by (number, media id)).
 */
export async function processWebhook(deps: ProcessWebhookDeps, rawWebhookId: string, attempt = 1): Promise<void> {
  const { database, clock, logger } = deps;
  const raw = await database.db.selectFrom('raw_webhooks').selectAll().where('id', '=', rawWebhookId).executeTakeFirst();
  if (!raw || raw.processed_at !== null) return;
  const verifiedIds: string[] = raw.verified_number_ids ? (JSON.parse(raw.verified_number_ids) as string[]) : [];
  const numbers = verifiedIds.length
    ? await database.db.selectFrom('business_numbers').selectAll().where('id', 'in', verifiedIds).execute()
    : [];
  let body: unknown;
  try {
    body = JSON.parse(raw.body);
  } catch {
    body = null;
  }
  const changes = body ? parseEnvelope(body) : [];
  const statuses = new Map<string, StatusUpdate[]>();
  const inbound = new Map<string, InboundMessage[]>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T[]) => m.set(k, [...(m.get(k) ?? []), ...v]);

  for (const change of changes) {
    if (change.field === 'messages') {
      const number = numbers.find((n) => n.phone_number_id === change.phoneNumberId);
      if (!number) {
        logger.warn({ rawWebhookId, phoneNumberId: change.phoneNumberId }, 'webhook change for a number that is not connected (or whose secret did not verify it): skipped');
        continue;
      }
      if (change.statuses.length) push(statuses, number.id, change.statuses);
      if (change.messages.length) {
        for (const m of change.messages) m.media = await keepMedia(deps, number, m, attempt);
        push(inbound, number.id, change.messages);
      }
      for (const e of change.errors) logger.warn({ rawWebhookId, numberId: number.id, code: e.code, title: e.title, details: e.details }, 'Meta reported an error in a webhook');
    } else if (change.field === 'message_template_status_update' || change.field === 'template_category_update' || change.field === 'message_template_quality_update') {
      const v = change.value;
      const workspaces = new Set(numbers.filter((n) => n.waba_id === change.wabaId).map((n) => n.workspace_id));
      for (const workspaceId of workspaces) {
        await database.transaction((tx) =>
          deps.downstream.applyTemplateStatus(tx, clock, {
            workspaceId,
            wabaId: change.wabaId,
            providerTemplateId: v.message_template_id !== undefined ? String(v.message_template_id) : null,
            name: typeof v.message_template_name === 'string' ? v.message_template_name : null,
            language: typeof v.message_template_language === 'string' ? v.message_template_language : null,
            event: change.field === 'template_category_update' ? 'CATEGORY_UPDATE' : change.field === 'message_template_quality_update' ? 'QUALITY_UPDATE' : String(v.event ?? ''),
            reason: typeof v.reason === 'string' ? v.reason : null,
            category: typeof v.new_category === 'string' ? v.new_category : null,
            raw: v,
          }),
        );
      }
    } else if (change.field === 'phone_number_quality_update' || change.field === 'business_capability_update') {
      await applyNumberUpdate(deps, numbers, change.field, change.wabaId, change.value);
      // Outbound business_capability_update (WABA-wide): one event per workspace of the WABA.
      if (change.field === 'business_capability_update') await recordWabaAccountEvent(database, numbers, change.wabaId, change.field, change.value, clock.nowMs());
    } else if (isAccountEventField(change.field)) {
      // account_update, account_review_update, account_alerts: nothing to apply here; forwarded as outbound events.
      await recordWabaAccountEvent(database, numbers, change.wabaId, change.field, change.value, clock.nowMs());
    } else {
      logger.debug({ rawWebhookId, field: change.field }, 'webhook field not handled');
    }
  }

  for (const [numberId, list] of statuses) {
    const number = numbers.find((n) => n.id === numberId)!;
    const r = await deps.downstream.applyStatusUpdates(database, clock, { workspaceId: number.workspace_id, numberId, statuses: list }, logger);
    if (r.unmatched.length) logger.debug({ rawWebhookId, numberId, unmatched: r.unmatched.length }, 'statuses for messages Samvad did not send');
  }
  for (const [numberId, list] of inbound) {
    const number = numbers.find((n) => n.id === numberId)!;
    await deps.downstream.recordInboundMessages(database, clock, { workspaceId: number.workspace_id, numberId, messages: list });
  }
  await database.transaction(async (tx) => {
    await tx.db.updateTable('raw_webhooks').set({ processed_at: clock.nowMs() }).where('id', '=', rawWebhookId).where('processed_at', 'is', null).execute();
  });
}

/** Downloads an inbound message's media once per (number, media id) and keeps it in the MediaStore. */
async function keepMedia(deps: ProcessWebhookDeps, number: BusinessNumberRow, m: InboundMessage, attempt: number): Promise<InboundMessage['media']> {
  if (!MEDIA_TYPES.has(m.type)) return null;
  const o = (m.content[m.type] ?? {}) as { id?: unknown; mime_type?: unknown; sha256?: unknown; filename?: unknown };
  if (typeof o.id !== 'string' && typeof o.id !== 'number') return null;
  const mediaId = String(o.id);
  const fileName = typeof o.filename === 'string' ? { fileName: o.filename } : {};
  const known = async () =>
    deps.database.db.selectFrom('whatsapp_media').selectAll().where('number_id', '=', number.id).where('media_id', '=', mediaId).executeTakeFirst();
  const asMedia = (r: { stored_key: string; mime_type: string; sha256: string | null }) => ({
    mediaId,
    storedKey: r.stored_key,
    mimeType: r.mime_type,
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    ...fileName,
  });
  const existing = await known();
  if (existing) return asMedia(existing);
  let downloaded: { bytes: Buffer; mimeType: string; sha256?: string };
  try {
    downloaded = await deps.channel.downloadMedia(credentialsOf(number, deps.secrets), mediaId);
  } catch (err) {
    if (attempt < PROCESS_WEBHOOK_MAX_ATTEMPTS) throw err; // the job retries with backoff
    deps.logger.error({ err, numberId: number.id, mediaId, wamid: m.wamid }, 'inbound media could not be downloaded; the message is kept without it');
    return null;
  }
  const now = deps.clock.nowMs();
  const key = await deps.media.put(number.workspace_id, downloaded.bytes, downloaded.mimeType, now);
  const sha256 = downloaded.sha256 ?? (typeof o.sha256 === 'string' ? o.sha256 : null);
  const inserted = await deps.database.transaction(async (tx) => {
    const r = await tx.db
      .insertInto('whatsapp_media')
      .values({ id: newId(now), workspace_id: number.workspace_id, number_id: number.id, media_id: mediaId, stored_key: key, mime_type: downloaded.mimeType, sha256, size_bytes: downloaded.bytes.length, created_at: now })
      .onConflict((oc) => oc.columns(['number_id', 'media_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  });
  if (inserted) return asMedia({ stored_key: key, mime_type: downloaded.mimeType, sha256 });
  // Another run stored it first: keep theirs, drop ours.
  await deps.media.delete(key);
  const winner = await known();
  return winner ? asMedia(winner) : null;
}

async function applyNumberUpdate(deps: ProcessWebhookDeps, numbers: BusinessNumberRow[], field: string, wabaId: string, v: Record<string, unknown>): Promise<void> {
  const ofWaba = numbers.filter((n) => n.waba_id === wabaId);
  const targets = field === 'phone_number_quality_update' ? ofWaba.filter((n) => digits(n.display_phone_number) === digits(v.display_phone_number)) : ofWaba;
  const tierRaw = v.max_daily_conversations_per_business ?? v.current_limit;
  const tier = typeof tierRaw === 'string' && (TIERS as readonly string[]).includes(tierRaw) ? tierRaw : undefined;
  const event = typeof v.event === 'string' ? v.event : undefined;
  for (const n of targets) {
    let quality: string | undefined = event === 'FLAGGED' ? 'RED' : undefined;
    if (field === 'phone_number_quality_update' && !quality) {
      // The event names no rating (UNFLAGGED, UPGRADE, …): ask Graph for the current one.
      try {
        quality = (await deps.channel.getPhoneNumber(credentialsOf(n, deps.secrets))).qualityRating ?? undefined;
      } catch (err) {
        deps.logger.warn({ numberId: n.id, err: (err as Error).message }, 'could not refresh the quality rating after a quality webhook');
      }
    }
    const throughput = event === 'THROUGHPUT_UPGRADE' ? { throughput_mps: 1000 } : {};
    if (!tier && !quality && !event) continue;
    await deps.database.transaction(async (tx) => {
      await tx.db
        .updateTable('business_numbers')
        .set({ ...(tier ? { messaging_limit_tier: tier } : {}), ...(quality ? { quality_rating: quality } : {}), ...throughput, updated_at: deps.clock.nowMs() })
        .where('id', '=', n.id)
        .execute();
      // Outbound phone_number_quality_update, in the transaction that applies it.
      if (field === 'phone_number_quality_update') await recordAccountEvent(tx, n.workspace_id, field, v, deps.clock.nowMs());
    });
    deps.logger.info({ numberId: n.id, event, tier, quality }, 'business number updated from a Meta webhook');
  }
}

export function processWebhookJob(deps: ProcessWebhookDeps) {
  return (job: JobContext<{ rawWebhookId: string }>) => processWebhook(deps, job.payload.rawWebhookId, job.attempt);
}
