import { sql } from 'kysely';
import type { Trx } from '../../platform/db/database.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';

/**
 * Writes changed traits to the query model (contact_traits) and new tags (contact_tags): one
 * multi-row upsert, one delete for removed traits, one insert for tags. The caller updates the
 * JSON read model on the contact row in the same transaction.
 */
export async function writeTraitRows(db: Trx, workspaceId: string, contactId: string, changes: Record<string, TraitValue>, newTags: string[]): Promise<void> {
  const set: { contact_id: string; workspace_id: string; key: string; str_val: string; num_val: number | null }[] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) removed.push(key);
    else {
      const t = typedTrait(key, value);
      set.push({ contact_id: contactId, workspace_id: workspaceId, key, str_val: t.str, num_val: t.num });
    }
  }
  if (set.length > 0) {
    await db
      .insertInto('contact_traits')
      .values(set)
      .onConflict((oc) => oc.columns(['contact_id', 'key']).doUpdateSet({ str_val: sql`excluded.str_val`, num_val: sql`excluded.num_val` }))
      .execute();
  }
  if (removed.length > 0) await db.deleteFrom('contact_traits').where('contact_id', '=', contactId).where('key', 'in', removed).execute();
  if (newTags.length > 0) {
    await db
      .insertInto('contact_tags')
      .values(newTags.map((tag) => ({ workspace_id: workspaceId, tag, contact_id: contactId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
