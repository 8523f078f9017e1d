import type { Kysely } from 'kysely';
import { dialectOf, insertRows } from '../../platform/db/bulk-insert.ts';
import type { Trx } from '../../platform/db/database.ts';
import { TAGS_INSERT, TRAIT_ROWS_CHUNK, TRAITS_UPSERT } from '../traits/trait-rows.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';

/**
 * Writes changed traits to the query model (contact_traits) and new tags (contact_tags): one
 * multi-row upsert, one delete for removed traits, one insert for tags. The caller updates the
 * JSON read model on the contact row in the same transaction.
 */
export async function writeTraitRows(db: Trx, workspaceId: string, contactId: string, changes: Record<string, TraitValue>, newTags: string[]): Promise<void> {
  const h = db as unknown as Kysely<any>;
  const dialect = dialectOf(h);
  const set: unknown[][] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) removed.push(key);
    else {
      const t = typedTrait(key, value);
      set.push([contactId, workspaceId, key, t.str, t.num]);
    }
  }
  await insertRows(h, dialect, TRAITS_UPSERT, set, TRAIT_ROWS_CHUNK);
  if (removed.length > 0) await db.deleteFrom('contact_traits').where('contact_id', '=', contactId).where('key', 'in', removed).execute();
  await insertRows(
    h,
    dialect,
    TAGS_INSERT,
    newTags.map((tag) => [workspaceId, tag, contactId]),
    TRAIT_ROWS_CHUNK,
  );
}
