import type { Clock } from '../../platform/clock.ts';
import type { Database, Trx, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { CONTACT_LIMITS } from '../limits.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import type { ParsedPhone } from '../phone.ts';
import type { TraitValue } from '../traits/trait-values.ts';
import { writeTraitRows } from './write-traits.ts';

export interface TrackUserInput {
  workspaceId: string;
  /** Native API: update this contact (no create). */
  contactId?: string | undefined;
  userId?: string | undefined;
  phone?: ParsedPhone | undefined;
  /** Checked with checkTraits: null removes a trait. */
  traits: Record<string, TraitValue>;
  /** Checked with checkTags: added to the contact's tags. */
  tags: string[];
  /** The brand's creation time of this user (ms); kept when earlier than what Samvad has. */
  createdAt?: number | undefined;
  /** Recorded with opt changes made through whatsapp_opted_in. */
  source?: 'api' | 'import' | 'agent';
}

export interface TrackedUser {
  contactId: string;
  created: boolean;
}

type ContactRow = { id: string; traits: string; tags: string; name: string | null; user_id: string | null; created_at: number | string; whatsapp_opted_in: number | null; marketing_opted_out_at: number | null };

/** `whatsapp_opted_in` accepts booleans and their spellings ("true", "false", "yes", "no", 1, 0). */
function optInValue(v: TraitValue): boolean | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1') return true;
  if (s === 'false' || s === 'no' || s === '0') return false;
  throw new AppError('validation_failed', 'traits.whatsapp_opted_in must be true or false', [{ field: 'traits.whatsapp_opted_in' }]);
}

/** What a contact holds that a track-users call can change. */
export interface TrackedState {
  traits: Record<string, TraitValue>;
  tags: string[];
  name: string | null;
  userId: string | null;
  createdAt: number;
}

export interface MergedUser {
  /** The contact after the call (new objects; `current` is not changed). */
  state: TrackedState;
  /** Traits whose value changed (null: removed). */
  changes: Record<string, TraitValue>;
  newTags: string[];
  /** whatsapp_opted_in as sent: true/false opt in/out, null clears an unknown state, undefined: not sent. */
  optIn: boolean | null | undefined;
}

/**
 * Applies one track-users call to a contact's state, in memory: traits replace per key (null
 * removes), `name` and `whatsapp_opted_in` are reserved, tags are added, an earlier createdAt is
 * kept. Throws the call's 400 (limits per contact, reserved trait types) without changing anything.
 * Shared by the one-call path and the coalesced batch, so both apply exactly the same rules.
 */
export function mergeTrackedUser(current: TrackedState, input: Pick<TrackUserInput, 'traits' | 'tags' | 'userId' | 'createdAt'>): MergedUser {
  const traits = { ...current.traits };
  const changes: Record<string, TraitValue> = {};
  let name = current.name;
  let optIn: boolean | null | undefined;
  for (const [key, value] of Object.entries(input.traits)) {
    if (key === 'name') {
      if (value !== null && typeof value !== 'string') throw new AppError('validation_failed', 'traits.name must be a string', [{ field: 'traits.name' }]);
      name = value;
      continue;
    }
    if (key === 'whatsapp_opted_in') {
      optIn = optInValue(value);
      continue;
    }
    if (value === null) {
      if (key in traits) {
        delete traits[key];
        changes[key] = null;
      }
    } else if (traits[key] !== value) {
      traits[key] = value;
      changes[key] = value;
    }
  }
  const traitCount = Object.keys(traits).length;
  if (traitCount > CONTACT_LIMITS.traitsPerContact) {
    throw new AppError('validation_failed', `the contact would have ${traitCount} traits; at most ${CONTACT_LIMITS.traitsPerContact} per contact (send null to remove traits)`, [{ field: 'traits' }]);
  }
  const have = new Set(current.tags);
  const newTags = input.tags.filter((t) => !have.has(t));
  if (current.tags.length + newTags.length > CONTACT_LIMITS.tagsPerContact) {
    throw new AppError('validation_failed', `the contact would have ${current.tags.length + newTags.length} tags; at most ${CONTACT_LIMITS.tagsPerContact}`, [{ field: 'tags' }]);
  }
  const createdAt = input.createdAt !== undefined && input.createdAt < current.createdAt ? input.createdAt : current.createdAt;
  const userId = input.userId !== undefined ? input.userId : current.userId;
  return { state: { traits, tags: newTags.length > 0 ? [...current.tags, ...newTags] : current.tags, name, userId, createdAt }, changes, newTags, optIn };
}

/**
 * Track users (Interakt §5.1): creates or updates the contact identified by phone (or, with no
 * phone, by an existing `userId`). Traits replace per key (null removes), tags are added.
 * Reserved traits: `name` is the contact's name, `whatsapp_opted_in` opts the contact in or out
 * of marketing (a timeline event when it changes); `email` and the rest are ordinary traits.
 */
export async function trackUser(database: Database, clock: Clock, input: TrackUserInput): Promise<TrackedUser> {
  return database.transaction((tx) => trackUserInTx(tx, clock.nowMs(), input, database.dialect === 'postgres'));
}

/** `lock`: PostgreSQL — lock the contact row so concurrent updates of its JSON traits do not lose each other. */
export async function trackUserInTx(tx: Tx, now: number, input: TrackUserInput, lock: boolean): Promise<TrackedUser> {
  const db = tx.db;
  const { workspaceId } = input;
  let row = await findRow(db, workspaceId, input, lock);
  let created = false;
  if (!row) {
    if (input.contactId) throw new AppError('not_found', `Contact ${input.contactId} not found`);
    if (!input.phone) {
      throw new AppError('validation_failed', `userId "${input.userId}" is not a known customer: send fullPhoneNumber (or countryCode and phoneNumber) to create it`, [{ field: 'userId' }]);
    }
    const id = newId(now);
    const inserted = await db
      .insertInto('contacts')
      .values({
        id,
        workspace_id: workspaceId,
        phone: input.phone.phone,
        country_code: input.phone.countryCode,
        phone_national: input.phone.national,
        user_id: input.userId ?? null,
        name: null,
        profile_name: null,
        traits: '{}',
        tags: '[]',
        whatsapp_opted_in: null,
        created_at: input.createdAt ?? now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'phone']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      created = true;
      row = { id, traits: '{}', tags: '[]', name: null, user_id: input.userId ?? null, created_at: input.createdAt ?? now, whatsapp_opted_in: null, marketing_opted_out_at: null };
    } else {
      row = await findRow(db, workspaceId, input, lock);
      if (!row) throw new AppError('conflict', 'The contact changed concurrently; retry');
    }
  }

  const merged = mergeTrackedUser({ traits: JSON.parse(row.traits) as Record<string, TraitValue>, tags: JSON.parse(row.tags) as string[], name: row.name, userId: row.user_id, createdAt: Number(row.created_at) }, input);
  const { traits, tags, name } = merged.state;
  const { changes, newTags, optIn } = merged;
  const createdAt = merged.state.createdAt !== Number(row.created_at) ? merged.state.createdAt : undefined;
  await db
    .updateTable('contacts')
    .set({
      traits: JSON.stringify(traits),
      tags: newTags.length > 0 ? JSON.stringify(tags) : row.tags,
      name,
      ...(input.userId !== undefined && input.userId !== row.user_id ? { user_id: input.userId } : {}),
      ...(createdAt !== undefined ? { created_at: createdAt } : {}),
      updated_at: now,
    })
    .where('id', '=', row.id)
    .execute();
  await writeTraitRows(db, workspaceId, row.id, changes, newTags);
  if (optIn === true) await optInToMarketing(tx, workspaceId, row.id, input.source ?? 'api', now);
  else if (optIn === false) await optOutOfMarketing(tx, workspaceId, row.id, input.source ?? 'api', now);
  else if (optIn === null) await db.updateTable('contacts').set({ whatsapp_opted_in: null }).where('id', '=', row.id).where('marketing_opted_out_at', 'is', null).execute();
  return { contactId: row.id, created };
}

async function findRow(db: Trx, workspaceId: string, input: { contactId?: string | undefined; phone?: ParsedPhone | undefined; userId?: string | undefined }, lock: boolean): Promise<ContactRow | undefined> {
  const cols = ['id', 'traits', 'tags', 'name', 'user_id', 'created_at', 'whatsapp_opted_in', 'marketing_opted_out_at'] as const;
  let q = db.selectFrom('contacts').select(cols).where('workspace_id', '=', workspaceId).where('erased_at', 'is', null);
  if (lock) q = q.forUpdate();
  if (input.contactId) return (await q.where('id', '=', input.contactId).executeTakeFirst()) as ContactRow | undefined;
  const row = input.phone ? await q.where('phone', '=', input.phone.phone).executeTakeFirst() : await q.where('user_id', '=', input.userId!).orderBy('created_at').executeTakeFirst();
  return row as ContactRow | undefined;
}
