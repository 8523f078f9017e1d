import type { Kysely } from 'kysely';
import type { Clock } from '../platform/clock.ts';
import type { Db, Tx } from '../platform/db/database.ts';
import { contactsOptedOutOfMarketing, streamContactIdsByTag, streamSegmentContactIds, upsertContactsForSend } from '../contacts/index.ts';

/**
 * Everything campaigns need of contacts, in one place: the contacts module's contract-2 services
 * (batch opt-out, tag and segment streams, batch contact upsert), plus one batch read of the
 * traits the variable mapping needs — the contacts module has no batch "traits of these contacts"
 * service yet, so that read of its JSON read model (`contacts.traits`) lives here, alone.
 */

export interface ContactForSend {
  id: string;
  phone: string;
  name: string | null;
  traits: Record<string, unknown>;
}

/** Contacts of a batch of recipients, in one query, by id (or by phone with `by: 'phone'`). */
export async function loadContactsForSend(db: Db, workspaceId: string, keys: string[], by: 'id' | 'phone' = 'id'): Promise<Map<string, ContactForSend>> {
  const out = new Map<string, ContactForSend>();
  if (keys.length === 0) return out;
  const rows = await db.selectFrom('contacts').select(['id', 'phone', 'name', 'profile_name', 'traits']).where('workspace_id', '=', workspaceId).where(by, 'in', keys).execute();
  for (const r of rows) {
    let traits: Record<string, unknown> = {};
    try {
      const t = JSON.parse(r.traits) as unknown;
      if (t && typeof t === 'object' && !Array.isArray(t)) traits = t as Record<string, unknown>;
    } catch {
      // An unreadable traits column resolves like no traits (fallbacks apply).
    }
    out.set(by === 'id' ? r.id : r.phone, { id: r.id, phone: r.phone, name: r.name ?? r.profile_name, traits });
  }
  return out;
}

/** Which of these contacts opted out of marketing (the contacts module's rule, for the whole batch). */
export async function optedOutOfMarketing(db: Db, workspaceId: string, contactIds: string[]): Promise<Set<string>> {
  return contactsOptedOutOfMarketing(db as unknown as Kysely<any>, workspaceId, contactIds);
}

/** The contacts of a batch's phones (wa ids), created when new (as a template send does), by phone. */
export async function contactsForPhones(tx: Tx, clock: Clock, workspaceId: string, phones: readonly string[]): Promise<Map<string, string>> {
  return upsertContactsForSend(tx, clock, workspaceId, phones);
}

/**
 * Contact ids of a tag or segment after `after` (the contacts module streams them in id order).
 * A stream is kept open between calls for the same campaign, so freezing a large audience reads
 * it once; after a restart the stream is opened again and skips to the cursor.
 */
const open = new Map<string, { iterator: AsyncIterator<string[]>; at: string; buffer: string[] }>();

export async function nextAudienceContactIds(db: Db, workspaceId: string, key: string, source: { tag: string } | { segmentId: string }, after: string, limit: number, nowMs: number): Promise<string[]> {
  let s = open.get(key);
  if (!s || s.at !== after) {
    const stream = 'tag' in source ? streamContactIdsByTag(db as unknown as Kysely<any>, workspaceId, source.tag, 1000) : streamSegmentContactIds(db as unknown as Kysely<any>, workspaceId, source.segmentId, 1000, nowMs);
    s = { iterator: stream[Symbol.asyncIterator](), at: after, buffer: [] };
    open.set(key, s);
  }
  const out: string[] = [];
  while (out.length < limit) {
    if (s.buffer.length === 0) {
      const next = await s.iterator.next();
      if (next.done) break;
      s.buffer = next.value.filter((id) => id > after);
      continue;
    }
    out.push(s.buffer.shift()!);
  }
  if (out.length < limit) open.delete(key);
  else s.at = out[out.length - 1]!;
  if (open.size > 1000) open.clear();
  return out;
}
