import type { Clock } from '../platform/clock.ts';
import { dialectOf, insertFlat } from '../platform/db/bulk-insert.ts';
import type { Tx } from '../platform/db/database.ts';
import { precompiled, precompiledWithList } from '../platform/db/precompiled.ts';
import { newId } from '../platform/ids.ts';
import { parseWaId, type ParsedPhone } from './phone.ts';

export interface UpsertContactForSendInput {
  workspaceId: string;
  phone: ParsedPhone;
  /** The brand's own id (Interakt `userId`); kept when given, never erased by a send without it. */
  userId?: string | null | undefined;
}

/**
 * A template send creates the contact when it is new (Interakt does), in the send's transaction.
 * One statement whether the contact exists or not (insert … on conflict do update … returning),
 * so the hot path makes no extra round trip; `userId` is stored when given.
 */
export async function upsertContactForSend(tx: Tx, clock: Clock, input: UpsertContactForSendInput): Promise<{ id: string }> {
  const now = clock.nowMs();
  const userId = input.userId ? input.userId : null;
  const row: NewContactRow = {
    id: newId(now),
    workspace_id: input.workspaceId,
    phone: input.phone.phone,
    country_code: input.phone.countryCode,
    phone_national: input.phone.national,
    user_id: userId,
    profile_name: null,
    created_at: now,
  };
  const r = await (userId === null ? upsertKeep : upsertWithUserId).execute(tx.db, row);
  return { id: r.rows[0]!.id };
}

/**
 * The contacts of a batch of sends without a `userId` (a campaign's recipients), created when new:
 * upsertContactForSend's rule for a whole batch in a few statements instead of one per phone —
 * a read of the existing contacts, then one multi-row upsert of the new ones. Only new phones are
 * parsed (libphonenumber, for the columns they store); existing contacts are left untouched, so a
 * stored `user_id` stays. On PostgreSQL the read locks the rows (FOR UPDATE) as the per-phone
 * upsert's update did, so an erasure in flight is waited for and its scrubbed row no longer
 * matches; a contact another writer inserts meanwhile is met by ON CONFLICT, whose no-op update
 * returns that contact's id. Returns each given wa id's contact id.
 */
export async function upsertContactsForSend(tx: Tx, clock: Clock, workspaceId: string, waIds: readonly string[]): Promise<Map<string, string>> {
  // A contact's phone is its wa id without a leading '+' (parseWaId's rule).
  const phoneOf = (waId: string) => (waId.startsWith('+') ? waId.slice(1) : waId);
  // In phone order: concurrent batches (PostgreSQL) then lock and insert in the same order.
  const phones = [...new Set(waIds.map(phoneOf))].sort();
  const ids = new Map<string, string>();
  // precompiledWithList bounds the statement shapes itself (it pads the list); chunks keep the parameters few.
  for (let at = 0; at < phones.length; at += BATCH_CHUNK) {
    for (const c of (await existingContacts.execute(tx.db, { workspaceId }, phones.slice(at, at + BATCH_CHUNK))).rows) ids.set(c.phone, c.id);
  }
  const now = clock.nowMs();
  const values: unknown[] = [];
  for (const phone of phones) {
    if (ids.has(phone)) continue;
    const p = parseWaId(phone);
    values.push(newId(now), workspaceId, p.phone, p.countryCode, p.national, null, null, null, '{}', '[]', null, now, now);
  }
  for (const c of await insertFlat<{ id: string; phone: string }>(tx.db, dialectOf(tx.db), NEW_CONTACTS, values, BATCH_CHUNK)) ids.set(c.phone, c.id);
  return new Map(waIds.map((w) => [w, ids.get(phoneOf(w))!]));
}

/** Phones a statement of upsertContactsForSend carries (13 values a row: well under both dialects' parameter limits). */
const BATCH_CHUNK = 500;

const existingContacts = precompiledWithList<{ workspaceId: string }, { id: string; phone: string }>((db, a, phones) => {
  const q = db.selectFrom('contacts').select(['id', 'phone']).where('workspace_id', '=', a('workspaceId')).where('phone', 'in', phones as string[]);
  return dialectOf(db) === 'postgres' ? q.forUpdate() : q;
});

/** The columns and values contactUpsert('nothing') writes, for many rows. */
const NEW_CONTACTS = {
  table: 'contacts',
  columns: ['id', 'workspace_id', 'phone', 'country_code', 'phone_national', 'user_id', 'name', 'profile_name', 'traits', 'tags', 'whatsapp_opted_in', 'created_at', 'updated_at'],
  tail: 'on conflict ("workspace_id", "phone") do update set "phone" = excluded."phone" returning "id", "phone"',
} as const;

export interface UpsertContactFromInboundInput {
  workspaceId: string;
  /** The sender's wa_id as Meta gives it (E.164 digits). */
  phone: string;
  /** WhatsApp profile name from the webhook's contacts[].profile.name. */
  profileName: string | null;
}

/**
 * An inbound message creates the contact or refreshes its WhatsApp profile name (called by
 * inbound processing, in its transaction). Returns the contact id and whether it was created.
 */
export async function upsertContactFromInbound(tx: Tx, clock: Clock, input: UpsertContactFromInboundInput): Promise<{ id: string; created: boolean }> {
  const now = clock.nowMs();
  const parsed = parseWaId(input.phone);
  const id = newId(now);
  const row: NewContactRow = {
    id,
    workspace_id: input.workspaceId,
    phone: parsed.phone,
    country_code: parsed.countryCode,
    phone_national: parsed.national,
    user_id: null,
    profile_name: input.profileName,
    created_at: now,
  };
  const r = await (input.profileName === null ? upsertKeep : upsertWithProfileName).execute(tx.db, row);
  return { id: r.rows[0]!.id, created: r.rows[0]!.id === id };
}

/** The columns a send or an inbound message knows of a contact; the rest start empty. */
type NewContactRow = {
  id: string;
  workspace_id: string;
  phone: string;
  country_code: string;
  phone_national: string;
  user_id: string | null;
  profile_name: string | null;
  created_at: number;
};

/**
 * `insert … on conflict (workspace_id, phone) do update … returning id`, compiled once per shape
 * (precompiled.ts): built through Kysely on every send it was 8 % of the accept path's CPU.
 * `set` names what an existing contact takes from the new row; with nothing to change the update
 * is a no-op on `phone`, so RETURNING still yields the existing row's id.
 */
function contactUpsert(set: 'nothing' | 'user_id' | 'profile_name') {
  return precompiled<NewContactRow, { id: string }>((db, a) =>
    db
      .insertInto('contacts')
      .values({
        id: a('id'),
        workspace_id: a('workspace_id'),
        phone: a('phone'),
        country_code: a('country_code'),
        phone_national: a('phone_national'),
        user_id: a('user_id'),
        name: null,
        profile_name: a('profile_name'),
        traits: '{}',
        tags: '[]',
        whatsapp_opted_in: null,
        created_at: a('created_at'),
        updated_at: a('created_at'),
      })
      .onConflict((oc) =>
        set === 'nothing'
          ? oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ phone: eb.ref('excluded.phone') }))
          : oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ [set]: eb.ref(`excluded.${set}`), updated_at: eb.ref('excluded.updated_at') })),
      )
      .returning('id'),
  );
}
const upsertKeep = contactUpsert('nothing');
const upsertWithUserId = contactUpsert('user_id');
const upsertWithProfileName = contactUpsert('profile_name');
