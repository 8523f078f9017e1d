import type { Kysely } from 'kysely';

/**
 * Erasing a contact scrubs what the webhooks module holds about them: their events (bodies carry
 * the phone number, name, traits and message text) and the deliveries of those events, pending
 * ones included (an erased person's data must not go out afterwards).
 */
export async function eraseContactWebhookData(db: Kysely<any>, workspaceId: string, contactId: string): Promise<void> {
  await db
    .deleteFrom('webhook_deliveries')
    .where('workspace_id', '=', workspaceId)
    .where('event_id', 'in', db.selectFrom('webhook_events').select('id').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId))
    .execute();
  await db.deleteFrom('webhook_events').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).execute();
}
