import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { appendContactEvent } from '../events/append-event.ts';
import { CONTACT_LIMITS } from '../limits.ts';
import type { ParsedPhone } from '../phone.ts';
import { checkKey } from '../traits/trait-values.ts';
import { upsertContactForSend } from '../upsert-contact.ts';

export interface TrackEventInput {
  workspaceId: string;
  userId?: string | undefined;
  phone?: ParsedPhone | undefined;
  event: string;
  properties: unknown;
  /** When it happened (ms); default now. */
  occurredAt?: number | undefined;
}

export function checkEventName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new AppError('validation_failed', 'event is required: the event name, e.g. "Order Placed"', [{ field: 'event' }]);
  if (name.length > CONTACT_LIMITS.eventNameChars) throw new AppError('validation_failed', `event is ${name.length} characters; at most ${CONTACT_LIMITS.eventNameChars}`, [{ field: 'event' }]);
  return name.trim();
}

/** Event properties: a JSON object (values may nest), at most 200 keys of at most 128 characters. */
export function checkEventProperties(p: unknown): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw new AppError('validation_failed', 'traits (the event properties) must be an object', [{ field: 'traits' }]);
  const keys = Object.keys(p);
  if (keys.length > CONTACT_LIMITS.traitsPerRequest) throw new AppError('validation_failed', `traits has ${keys.length} properties; at most ${CONTACT_LIMITS.traitsPerRequest}`, [{ field: 'traits' }]);
  for (const k of keys) checkKey(k, 'traits');
  return p as Record<string, unknown>;
}

/**
 * Track events (Interakt §5.2): appends the event to the contact's timeline (never replaces).
 * An unknown phone creates the contact; an unknown `userId` with no phone is a 400.
 */
export async function trackEvent(database: Database, clock: Clock, input: TrackEventInput): Promise<{ id: string; contactId: string }> {
  const name = checkEventName(input.event);
  const properties = checkEventProperties(input.properties);
  return database.transaction(async (tx) => {
    const now = clock.nowMs();
    let contactId: string;
    if (input.phone) {
      // One statement whether the contact exists or not (the send path's upsert).
      contactId = (await upsertContactForSend(tx, clock, { workspaceId: input.workspaceId, phone: input.phone, userId: input.userId })).id;
    } else {
      const row = await tx.db.selectFrom('contacts').select('id').where('workspace_id', '=', input.workspaceId).where('user_id', '=', input.userId!).where('erased_at', 'is', null).orderBy('created_at').executeTakeFirst();
      if (!row) throw new AppError('validation_failed', `userId "${input.userId}" is not a known customer: send fullPhoneNumber (or countryCode and phoneNumber) with the event to create it`, [{ field: 'userId' }]);
      contactId = row.id;
    }
    const event = await appendContactEvent(tx, input.workspaceId, contactId, name, properties, input.occurredAt ?? now, now);
    return { id: event.id, contactId };
  });
}
