import type { Kysely } from 'kysely';
import type { MediaStore } from '../platform/media/media-store.ts';
import { registerContactErasure } from './erasure.ts';

/**
 * Erasers for the stores that existed before the erasure registry: messages' content, raw provider
 * webhooks, inbound media and idempotency answers. They belong with their owners (messaging,
 * channels/whatsapp) and read those modules' tables directly; they live here until those modules
 * register their own. Registration order is run order: media first (it reads message content).
 */
export function registerBuiltinErasers(deps: { media: MediaStore; idempotencyWindowMs?: number; now: () => number }): void {
  registerContactErasure('whatsapp_media', async (db, workspaceId, contactId, ctx) => {
    const rows = await db.selectFrom('messages').select('content').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).where('direction', '=', 'inbound').where('content', 'like', '%storedKey%').execute();
    const keys = rows.map((r) => (JSON.parse(r.content) as { media?: { storedKey?: string } }).media?.storedKey).filter((k): k is string => typeof k === 'string');
    for (let i = 0; i < keys.length; i += 500) await db.deleteFrom('whatsapp_media').where('workspace_id', '=', workspaceId).where('stored_key', 'in', keys.slice(i, i + 500)).execute();
    ctx.afterCommit(async () => {
      for (const key of keys) await deps.media.delete(key).catch(() => {});
    });
  });
  registerContactErasure('idempotency_keys', async (db, workspaceId, contactId) => {
    // Keys live 24 h and are pruned a day later: only the contact's recent messages can be named in one.
    const since = deps.now() - (deps.idempotencyWindowMs ?? 3 * 86_400_000);
    const ids = await db.selectFrom('messages').select('id').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).where('created_at', '>=', since).execute();
    for (const { id } of ids) await db.deleteFrom('idempotency_keys').where('workspace_id', '=', workspaceId).where('response_body', 'like', `%${id}%`).execute();
  });
  registerContactErasure('raw_webhooks', async (db, workspaceId, _contactId, ctx) => {
    if (!/^[0-9]{6,15}$/.test(ctx.phone)) return;
    // Meta's webhooks name the customer by wa_id ("from", "wa_id", "recipient_id"); the body goes, the row (and its processed state) stays.
    await db.updateTable('raw_webhooks').set({ body: '{"erased":true}' }).where('workspace_id', '=', workspaceId).where('body', 'like', `%"${ctx.phone}"%`).execute();
  });
  registerContactErasure('messages', async (db: Kysely<any>, workspaceId, contactId) => {
    // Content, recipient and echoes go; the row (direction, type, status, template, cost) stays for counts.
    await db
      .updateTable('messages')
      .set({ content: '{"erased":true}', recipient: 'erased', callback_data: null, error_details: null })
      .where('workspace_id', '=', workspaceId)
      .where('contact_id', '=', contactId)
      .execute();
  });
}
