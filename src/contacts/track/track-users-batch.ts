import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { optInToMarketing, optOutOfMarketing } from '../opt-out/marketing-opt.ts';
import type { ParsedPhone } from '../phone.ts';
import { typedTrait, type TraitValue } from '../traits/trait-values.ts';
import { type ItemOutcome, WriteCoalescer } from './coalescer.ts';
import { mergeTrackedUser, trackUser, type TrackedState, type TrackedUser, type TrackUserInput } from './track-user.ts';

/** Rows per multi-row statement (13 columns a contact row: well under SQLite's 32,766 parameters). */
const CONTACT_CHUNK = 500;
const TRAIT_CHUNK = 1000;
const LOOKUP_CHUNK = 500;

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
  const found = new Map<string, { id: string; traits: string; tags: string; name: string | null; user_id: string | null; created_at: number | string }>();
  for (const [ws, phones] of phonesByWs) {
    for (const part of chunks([...phones].sort(), LOOKUP_CHUNK)) {
      let q = db.selectFrom('contacts').select(['id', 'phone', 'traits', 'tags', 'name', 'user_id', 'created_at']).where('workspace_id', '=', ws).where('phone', 'in', part).where('erased_at', 'is', null);
      if (lock) q = q.forUpdate();
      for (const r of await q.execute()) found.set(keyOf(ws, r.phone), r);
    }
  }

  const opts: { workspaceId: string; contactId: string; optIn: boolean | null; source: TrackUserInput['source'] }[] = [];
  const outcomes = inputs.map((input): ItemOutcome<TrackedUser> => {
    const key = keyOf(input.workspaceId, input.phone!.phone);
    let t = touched.get(key);
    if (!t) {
      const r = found.get(key);
      const initial: TrackedState = r
        ? { traits: JSON.parse(r.traits) as Record<string, TraitValue>, tags: JSON.parse(r.tags) as string[], name: r.name, userId: r.user_id, createdAt: Number(r.created_at) }
        : // A new contact takes its user id and creation time from the first call that succeeds on it.
          { traits: {}, tags: [], name: null, userId: null, createdAt: Number.POSITIVE_INFINITY };
      t = { workspaceId: input.workspaceId, phone: input.phone!, id: r?.id ?? newId(now), exists: r !== undefined, initial, state: initial, dirty: false };
      touched.set(key, t);
    }
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

  const dirty = [...touched.values()].filter((t) => t.dirty);
  if (dirty.length === 0) return outcomes;

  // Contacts: new ones inserted, existing ones updated, in one statement. The update applies only
  // to the row read above (same id): a contact another process inserted meanwhile is left alone
  // and detected (PostgreSQL; on SQLite the batch is the only writer).
  for (const part of chunks(dirty, CONTACT_CHUNK)) {
    const rows = part.map((t) => ({
      id: t.id,
      workspace_id: t.workspaceId,
      phone: t.phone.phone,
      country_code: t.phone.countryCode,
      phone_national: t.phone.national,
      user_id: t.state.userId,
      name: t.state.name,
      profile_name: null,
      traits: JSON.stringify(t.state.traits),
      tags: JSON.stringify(t.state.tags),
      whatsapp_opted_in: null,
      created_at: t.state.createdAt,
      updated_at: now,
    }));
    const written = await db
      .insertInto('contacts')
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'phone'])
          .doUpdateSet({
            traits: sql`excluded.traits`,
            tags: sql`excluded.tags`,
            name: sql`excluded.name`,
            user_id: sql`excluded.user_id`,
            created_at: sql`excluded.created_at`,
            updated_at: sql`excluded.updated_at`,
          })
          .where(sql<boolean>`contacts.id = excluded.id`),
      )
      .returning('id')
      .execute();
    if (written.length !== rows.length) throw new ContactRace('a contact of the batch was created or erased concurrently');
  }

  // Query model: the net change of each contact's traits over the batch, and its new tags.
  const set: { contact_id: string; workspace_id: string; key: string; str_val: string; num_val: number | null }[] = [];
  const tags: { workspace_id: string; tag: string; contact_id: string }[] = [];
  for (const t of dirty) {
    const removed: string[] = [];
    if (t.state.traits !== t.initial.traits) {
      for (const [key, value] of Object.entries(t.state.traits)) {
        if (t.initial.traits[key] === value) continue;
        const v = typedTrait(key, value as string | number | boolean);
        set.push({ contact_id: t.id, workspace_id: t.workspaceId, key, str_val: v.str, num_val: v.num });
      }
      for (const key of Object.keys(t.initial.traits)) if (!(key in t.state.traits)) removed.push(key);
    }
    if (removed.length > 0) await db.deleteFrom('contact_traits').where('contact_id', '=', t.id).where('key', 'in', removed).execute();
    if (t.state.tags !== t.initial.tags) {
      const had = new Set(t.initial.tags);
      for (const tag of t.state.tags) if (!had.has(tag)) tags.push({ workspace_id: t.workspaceId, tag, contact_id: t.id });
    }
  }
  for (const part of chunks(set, TRAIT_CHUNK)) {
    await db
      .insertInto('contact_traits')
      .values(part)
      .onConflict((oc) => oc.columns(['contact_id', 'key']).doUpdateSet({ str_val: sql`excluded.str_val`, num_val: sql`excluded.num_val` }))
      .execute();
  }
  for (const part of chunks(tags, TRAIT_CHUNK)) await db.insertInto('contact_tags').values(part).onConflict((oc) => oc.doNothing()).execute();

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
