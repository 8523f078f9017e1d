import type { NumberCredentials, ProviderTemplate, WhatsAppChannel } from '../channels/whatsapp/types.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { newId } from '../platform/ids.ts';
import { templateCache } from './template-cache.ts';

export interface SyncResult {
  wabaId: string;
  /** Templates created or changed by this sync. */
  upserted: number;
  /** Templates that the provider no longer lists, now marked DELETED. */
  removed: number;
  total: number;
}

/**
 * Imports every template of the number's WABA (Interakt's "Sync" button): inserts new ones,
 * updates changed ones, marks the ones the provider no longer lists as DELETED (kept, since old
 * messages name them). One transaction; the template cache is invalidated once it commits.
 */
export async function syncTemplates(database: Database, clock: Clock, channel: Pick<WhatsAppChannel, 'listTemplates'>, number: NumberCredentials): Promise<SyncResult> {
  const listed = await channel.listTemplates(number);
  return storeSyncedTemplates(database, clock, number.workspaceId, number.wabaId, listed);
}

/** The storing half of syncTemplates (also used by tests and imports that already have the list). */
export async function storeSyncedTemplates(database: Database, clock: Clock, workspaceId: string, wabaId: string, listed: ProviderTemplate[]): Promise<SyncResult> {
  const now = clock.nowMs();
  const result = await database.transaction(async (tx) => {
    const existing = await tx.db.selectFrom('templates').selectAll().where('workspace_id', '=', workspaceId).where('waba_id', '=', wabaId).execute();
    const byKey = new Map(existing.map((r) => [`${r.name}\u0000${r.language}`, r]));
    let upserted = 0;
    const seen = new Set<string>();
    for (const t of listed) {
      const key = `${t.name}\u0000${t.language}`;
      seen.add(key);
      const values = {
        provider_template_id: t.id,
        category: t.category.toUpperCase(),
        status: t.status.toUpperCase(),
        components: JSON.stringify(t.components ?? []),
        parameter_format: (t.parameterFormat ?? 'positional').toLowerCase(),
        quality_score: t.qualityScore ?? null,
        // Meta lists 'NONE' for templates that were never rejected.
        rejected_reason: t.rejectedReason && t.rejectedReason !== 'NONE' ? t.rejectedReason : null,
      };
      const row = byKey.get(key);
      if (!row) {
        await tx.db
          .insertInto('templates')
          .values({ id: newId(now), workspace_id: workspaceId, waba_id: wabaId, name: t.name, language: t.language, ...values, created_at: now, updated_at: now })
          .execute();
        upserted++;
      } else if (
        row.provider_template_id !== values.provider_template_id ||
        row.category !== values.category ||
        row.status !== values.status ||
        row.components !== values.components ||
        row.parameter_format !== values.parameter_format ||
        row.quality_score !== values.quality_score ||
        row.rejected_reason !== values.rejected_reason
      ) {
        await tx.db.updateTable('templates').set({ ...values, updated_at: now }).where('id', '=', row.id).execute();
        upserted++;
      }
    }
    let removed = 0;
    for (const row of existing) {
      if (!seen.has(`${row.name}\u0000${row.language}`) && row.status !== 'DELETED') {
        await tx.db.updateTable('templates').set({ status: 'DELETED', updated_at: now }).where('id', '=', row.id).execute();
        removed++;
      }
    }
    tx.afterCommit(() => templateCache.invalidateWaba(wabaId));
    return { wabaId, upserted, removed, total: listed.length };
  });
  return result;
}
