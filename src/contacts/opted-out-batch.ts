import type { Kysely } from 'kysely';
import { precompiledWithList } from '../platform/db/precompiled.ts';
import type { Tables } from '../platform/db/tables.ts';

/** Ids a statement of contactsOptedOutOfMarketing carries. */
const CHUNK = 500;

const optedOut = precompiledWithList<{ workspaceId: string }, { id: string }>((db, a, ids) =>
  db.selectFrom('contacts').select('id').where('workspace_id', '=', a('workspaceId')).where('id', 'in', ids as string[]).where('marketing_opted_out_at', 'is not', null),
);

/**
 * Which of these contacts opted out of marketing: isOptedOutOfMarketing's rule (opt-out/marketing-opt.ts:
 * `marketing_opted_out_at` is set) for a campaign batch in one read per few hundred contacts,
 * instead of one per contact.
 */
export async function contactsOptedOutOfMarketing(db: Kysely<any>, workspaceId: string, contactIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(contactIds)];
  const out = new Set<string>();
  // precompiledWithList bounds the statement shapes itself (it pads the list); chunks keep the parameters few.
  for (let at = 0; at < ids.length; at += CHUNK) {
    for (const r of (await optedOut.execute(db as Kysely<Tables>, { workspaceId }, ids.slice(at, at + CHUNK))).rows) out.add(r.id);
  }
  return out;
}
