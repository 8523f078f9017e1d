import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { appendContactEvents, type ContactEvent } from '../events/append-event.ts';
import { type ItemOutcome, WriteCoalescer } from './coalescer.ts';
import { checkEventName, checkEventProperties, trackEvent, type TrackEventInput } from './track-event.ts';

const CHUNK = 500;

/**
 * Applies concurrent track-events calls in one transaction: the contacts named by phone upserted
 * in one multi-row statement (created when new, userId stored when given — as the one-call path's
 * upsertContactForSend), the ones named by userId alone found in one read, then every event in one
 * multi-row insert. A userId that is no known customer fails its call alone.
 */
export async function applyTrackEvents(tx: Tx, now: number, inputs: TrackEventInput[]): Promise<ItemOutcome<{ id: string; contactId: string }>[]> {
  const db = tx.db;
  const keyOf = (ws: string, s: string) => `${ws}\u0000${s}`;

  // Contacts by phone: one row per (workspace, phone); the last userId sent wins, as in call order.
  const byPhone = new Map<string, { workspace_id: string; phone: string; country_code: string; phone_national: string; user_id: string | null }>();
  for (const i of inputs) {
    if (!i.phone) continue;
    const key = keyOf(i.workspaceId, i.phone.phone);
    const prev = byPhone.get(key);
    const userId = i.userId ? i.userId : null;
    if (prev) {
      if (userId !== null) prev.user_id = userId;
    } else {
      byPhone.set(key, { workspace_id: i.workspaceId, phone: i.phone.phone, country_code: i.phone.countryCode, phone_national: i.phone.national, user_id: userId });
    }
  }
  const contactIds = new Map<string, string>();
  const rows = [...byPhone.values()];
  for (let p = 0; p < rows.length; p += CHUNK) {
    const part = rows.slice(p, p + CHUNK).map((r) => ({ id: newId(now), ...r, name: null, profile_name: null, traits: '{}', tags: '[]', whatsapp_opted_in: null, created_at: now, updated_at: now }));
    const written = await db
      .insertInto('contacts')
      .values(part)
      .onConflict((oc) =>
        // An existing contact keeps everything but a userId sent with the event (then updated_at moves too).
        oc.columns(['workspace_id', 'phone']).doUpdateSet({
          user_id: sql`coalesce(excluded.user_id, contacts.user_id)`,
          updated_at: sql`case when excluded.user_id is null then contacts.updated_at else excluded.updated_at end`,
        }),
      )
      .returning(['id', 'workspace_id', 'phone'])
      .execute();
    for (const w of written) contactIds.set(keyOf(w.workspace_id, w.phone), w.id);
  }

  // Contacts by userId alone: the oldest live contact with that id (as the one-call path).
  const userIdsByWs = new Map<string, Set<string>>();
  for (const i of inputs) {
    if (i.phone) continue;
    let set = userIdsByWs.get(i.workspaceId);
    if (!set) userIdsByWs.set(i.workspaceId, (set = new Set()));
    set.add(i.userId!);
  }
  const byUserId = new Map<string, string>();
  for (const [ws, ids] of userIdsByWs) {
    const list = [...ids];
    for (let p = 0; p < list.length; p += CHUNK) {
      const found = await db
        .selectFrom('contacts')
        .select(['id', 'user_id'])
        .where('workspace_id', '=', ws)
        .where('user_id', 'in', list.slice(p, p + CHUNK))
        .where('erased_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      for (const f of found) if (!byUserId.has(keyOf(ws, f.user_id!))) byUserId.set(keyOf(ws, f.user_id!), f.id);
    }
  }

  const events: ContactEvent[] = [];
  const outcomes = inputs.map((i): ItemOutcome<{ id: string; contactId: string }> => {
    const contactId = i.phone ? contactIds.get(keyOf(i.workspaceId, i.phone.phone)) : byUserId.get(keyOf(i.workspaceId, i.userId!));
    if (!contactId) {
      if (i.phone) throw new Error(`contact upsert returned no row for ${i.phone.phone}`);
      return { ok: false, error: new AppError('validation_failed', `userId "${i.userId}" is not a known customer: send fullPhoneNumber (or countryCode and phoneNumber) with the event to create it`, [{ field: 'userId' }]) };
    }
    const event: ContactEvent = { id: newId(now), workspaceId: i.workspaceId, contactId, name: i.event, properties: i.properties as Record<string, unknown>, occurredAt: i.occurredAt ?? now };
    events.push(event);
    return { ok: true, value: { id: event.id, contactId } };
  });
  if (events.length > 0) await appendContactEvents(tx, events, now);
  return outcomes;
}

const coalescers = new WeakMap<Database, WriteCoalescer<TrackEventInput, { id: string; contactId: string }>>();

/**
 * Track events, as `trackEvent`, with concurrent calls written together (see WriteCoalescer): the
 * API's hot path. Bad input is refused before the call joins a batch.
 */
export function trackEventCoalesced(database: Database, clock: Clock, input: TrackEventInput): Promise<{ id: string; contactId: string }> {
  const checked: TrackEventInput = { ...input, event: checkEventName(input.event), properties: checkEventProperties(input.properties) };
  let c = coalescers.get(database);
  if (!c) {
    c = new WriteCoalescer<TrackEventInput, { id: string; contactId: string }>(
      database,
      (tx, items) => applyTrackEvents(tx, clock.nowMs(), items),
      (item) => trackEvent(database, clock, item),
    );
    coalescers.set(database, c);
  }
  return c.submit(checked);
}
