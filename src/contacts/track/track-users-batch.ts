import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { dialectOf, insertRows, type BulkInsert } from '../../platform/db/bulk-insert.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { precompiledWithList } from '../../platform/db/precompiled.ts';
import { AppError } from '../../platform/errors.ts';
import { newIdsAscending } from '../../platform/ids.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import type { ParsedPhone } from '../phone.ts';
import { TAGS_INSERT, TRAIT_ROWS_CHUNK, TRAITS_UPSERT } from '../traits/trait-rows.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';
import { type ItemOutcome, WriteCoalescer } from './coalescer.ts';
import { mergeTrackedUser, trackUser, type TrackedState, type TrackedUser, type TrackUserInput } from './track-user.ts';

/** Rows per multi-row statement (11 columns a contact row: well under SQLite's 32,766 parameters). */
const CONTACT_CHUNK = 500;
const LOOKUP_CHUNK = 500;

/**
 * New contacts inserted, existing ones updated, in one statement. The update applies only to the
 * row the batch read (same id): a contact another process inserted meanwhile is left alone, and
 * RETURNING then lists fewer rows than were written.
 */
const CONTACTS_UPSERT: BulkInsert = {
  table: 'contacts',
  columns: ['id', 'workspace_id', 'phone', 'country_code', 'phone_national', 'user_id', 'name', 'traits', 'tags', 'created_at', 'updated_at'],
  tail:
    'on conflict ("workspace_id", "phone") do update set "traits" = excluded."traits", "tags" = excluded."tags", "name" = excluded."name", "user_id" = excluded."user_id", "created_at" = excluded."created_at", "updated_at" = excluded."updated_at" where "contacts"."id" = excluded."id" returning "id"',
};

type FoundRow = { id: string; phone: string; traits: string; tags: string; name: string | null; user_id: string | null; created_at: number | string };
// The contacts a batch names, compiled once per list length; PostgreSQL locks them (see applyTrackUsers' `lock`).
const lookup = (lock: boolean) =>
  precompiledWithList<{ ws: string }, FoundRow>((db, a, phones) => {
    const q = db.selectFrom('contacts').select(['id', 'phone', 'traits', 'tags', 'name', 'user_id', 'created_at']).where('workspace_id', '=', a('ws')).where('phone', 'in', phones as string[]).where('erased_at', 'is', null);
    return lock ? q.forUpdate() : q;
  });
const LOOKUP = lookup(false);
const LOOKUP_LOCKED = lookup(true);

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** A contact touched by the batch: as read (or empty when new) and as the batch leaves it. */
interface Touched {
  workspaceId: string;
  phone: ParsedPhone;
  id: string;
  exists: boolean;
  initial: TrackedState;
  state: TrackedState;
  /** Some call of the batch succeeded on it: write it. */
  dirty: boolean;
}

/** Thrown when a contact appeared or changed under the batch (PostgreSQL, another process): the calls are retried one by one. */
class ContactRace extends Error {}

/**
 * Applies concurrent track-users calls that name a phone, in one transaction: one read of the
 * contacts they name (per workspace), the calls merged in memory in arrival order with the same
 * rules as one call (mergeTrackedUser), then one multi-row upsert of the contacts, one of the
 * changed traits, one insert of the new tags, and the opt changes. A call that breaks a rule
 * (too many traits on the contact…) fails alone and leaves nothing; a contact is created only
 * when a call on it succeeds.
 */
export async function applyTrackUsers(tx: Tx, now: number, inputs: TrackUserInput[], lock: boolean): Promise<ItemOutcome<TrackedUser>[]> {
  const db = tx.db;
  const touched = new Map<string, Touched>();
  const keyOf = (ws: string, phone: string) => `${ws}\u0000${phone}`;

  // One read per workspace (in practice one) of every contact the batch names.
  const phonesByWs = new Map<string, Set<string>>();
  for (const i of inputs) {
    let set = phonesByWs.get(i.workspaceId);
    if (!set) phonesByWs.set(i.workspaceId, (set = new Set()));
    set.add(i.phone!.phone);
  }
  const found = new Map<string, FoundRow>();
  for (const [ws, phones] of phonesByWs) {
    for (const part of chunks([...phones].sort(), LOOKUP_CHUNK)) {
      for (const r of (await (lock ? LOOKUP_LOCKED : LOOKUP).execute(db, { ws }, part)).rows) found.set(keyOf(ws, r.phone), r);
    }
  }

  for (const input of inputs) {
    const key = keyOf(input.workspaceId, input.phone!.phone);
    if (touched.has(key)) continue;
    const r = found.get(key);
    const initial: TrackedState = r
      ? { traits: JSON.parse(r.traits) as Record<string, TraitValue>, tags: JSON.parse(r.tags) as string[], name: r.name, userId: r.user_id, createdAt: Number(r.created_at) }
      : // A new contact takes its user id and creation time from the first call that succeeds on it.
        { traits: {}, tags: [], name: null, userId: null, createdAt: Number.POSITIVE_INFINITY };
    touched.set(key, { workspaceId: input.workspaceId, phone: input.phone!, id: r?.id ?? '', exists: r !== undefined, initial, state: initial, dirty: false });
  }
  // New contacts' ids ascending, and rows written in id order (below): the indexes that end in the
  // contact id (its keys, its trait and tag rows) then take appends.
  const fresh = [...touched.values()].filter((t) => !t.exists);
  const ids = newIdsAscending(fresh.length, now);
  fresh.forEach((t, i) => (t.id = ids[i]!));

  const opts: { workspaceId: string; contactId: string; optIn: boolean | null; source: TrackUserInput['source'] }[] = [];
  const outcomes = inputs.map((input): ItemOutcome<TrackedUser> => {
    const t = touched.get(keyOf(input.workspaceId, input.phone!.phone))!;
    try {
      const merged = mergeTrackedUser(t.state, input);
      const created = !t.exists && !t.dirty;
      t.state = merged.state.createdAt === Number.POSITIVE_INFINITY ? { ...merged.state, createdAt: now } : merged.state;
      t.dirty = true;
      if (merged.optIn !== undefined) opts.push({ workspaceId: input.workspaceId, contactId: t.id, optIn: merged.optIn, source: input.source });
      return { ok: true, value: { contactId: t.id, created } };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error };
      throw error;
    }
  });

  // Written in id order, for the same appends.
  const dirty = [...touched.values()].filter((t) => t.dirty).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (dirty.length === 0) return outcomes;

  const h = db as unknown as Kysely<any>;
  const dialect = dialectOf(h);
  const contactRows = dirty.map((t) => [t.id, t.workspaceId, t.phone.phone, t.phone.countryCode, t.phone.national, t.state.userId, t.state.name, JSON.stringify(t.state.traits), JSON.stringify(t.state.tags), t.state.createdAt, now]);
  // On SQLite the batch is the only writer; on PostgreSQL another process may have created or erased one meanwhile.
  const written = await insertRows(h, dialect, CONTACTS_UPSERT, contactRows, CONTACT_CHUNK);
  if (written.length !== contactRows.length) throw new ContactRace('a contact of the batch was created or erased concurrently');

  // Query model: the net change of each contact's traits over the batch, and its new tags.
  const traitRows: unknown[][] = [];
  const tagRows: unknown[][] = [];
  for (const t of dirty) {
    const removed: string[] = [];
    if (t.state.traits !== t.initial.traits) {
      for (const [key, value] of Object.entries(t.state.traits)) {
        if (t.initial.traits[key] === value) continue;
        const v = typedTrait(key, value as string | number | boolean);
        traitRows.push([t.id, t.workspaceId, key, v.str, v.num]);
      }
      for (const key of Object.keys(t.initial.traits)) if (!(key in t.state.traits)) removed.push(key);
    }
    if (removed.length > 0) await db.deleteFrom('contact_traits').where('contact_id', '=', t.id).where('key', 'in', removed).execute();
    if (t.state.tags !== t.initial.tags) {
      const had = new Set(t.initial.tags);
      for (const tag of t.state.tags) if (!had.has(tag)) tagRows.push([t.workspaceId, tag, t.id]);
    }
  }
  await insertRows(h, dialect, TRAITS_UPSERT, traitRows, TRAIT_ROWS_CHUNK);
  await insertRows(h, dialect, TAGS_INSERT, tagRows, TRAIT_ROWS_CHUNK);

  // Opt changes, in call order (each is an event on the timeline; rare).
  for (const o of opts) {
    if (o.optIn === true) await optInToMarketing(tx, o.workspaceId, o.contactId, o.source ?? 'api', now);
    else if (o.optIn === false) await optOutOfMarketing(tx, o.workspaceId, o.contactId, o.source ?? 'api', now);
    else await db.updateTable('contacts').set({ whatsapp_opted_in: null }).where('id', '=', o.contactId).where('marketing_opted_out_at', 'is', null).execute();
  }
  return outcomes;
}

const coalescers = new WeakMap<Database, WriteCoalescer<TrackUserInput, TrackedUser>>();

/**
 * Track users, as `trackUser`, with concurrent calls that name a phone written together (see
 * WriteCoalescer): the API's hot path. Calls by userId alone take the one-call path.
 */
export function trackUserCoalesced(database: Database, clock: Clock, input: TrackUserInput): Promise<TrackedUser> {
  if (!input.phone || input.contactId) return trackUser(database, clock, input);
  let c = coalescers.get(database);
  if (!c) {
    const lock = database.dialect === 'postgres';
    c = new WriteCoalescer<TrackUserInput, TrackedUser>(
      database,
      (tx, items) => applyTrackUsers(tx, clock.nowMs(), items, lock),
      (item) => trackUser(database, clock, item),
    );
    coalescers.set(database, c);
  }
  return c.submit(input);
}
