import type { Clock } from '../platform/clock.ts';
import type { Tx } from '../platform/db/database.ts';
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
  const row = await tx.db
    .insertInto('contacts')
    .values({
      id: newId(now),
      workspace_id: input.workspaceId,
      phone: input.phone.phone,
      country_code: input.phone.countryCode,
      phone_national: input.phone.national,
      user_id: userId,
      name: null,
      profile_name: null,
      traits: '{}',
      tags: '[]',
      whatsapp_opted_in: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      userId === null
        ? // Nothing to change: a no-op update so RETURNING yields the existing row's id.
          oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ phone: eb.ref('excluded.phone') }))
        : oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ user_id: eb.ref('excluded.user_id'), updated_at: eb.ref('excluded.updated_at') })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id };
}

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
  const row = await tx.db
    .insertInto('contacts')
    .values({
      id,
      workspace_id: input.workspaceId,
      phone: parsed.phone,
      country_code: parsed.countryCode,
      phone_national: parsed.national,
      user_id: null,
      name: null,
      profile_name: input.profileName,
      traits: '{}',
      tags: '[]',
      whatsapp_opted_in: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      input.profileName === null
        ? oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ phone: eb.ref('excluded.phone') }))
        : oc.columns(['workspace_id', 'phone']).doUpdateSet((eb) => ({ profile_name: eb.ref('excluded.profile_name'), updated_at: eb.ref('excluded.updated_at') })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, created: row.id === id };
}
