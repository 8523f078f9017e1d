import { sql, type Kysely } from 'kysely';
import type { Tx } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { toInteraktCustomer, type CustomerRow } from './customer-view.ts';
import { toContactEvent } from './events/append-event.ts';

/** A contact on the native API. */
export interface ContactView {
  id: string;
  phone: string;
  countryCode: string;
  phoneNumber: string;
  userId: string | null;
  name: string | null;
  profileName: string | null;
  traits: Record<string, unknown>;
  tags: string[];
  whatsappOptedIn: boolean | null;
  marketingOptOut: { at: string; reason: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export function toContactView(r: CustomerRow & { marketing_opted_out_at?: number | string | null; marketing_opt_out_reason?: string | null }): ContactView {
  const c = toInteraktCustomer(r);
  return {
    id: r.id,
    phone: r.phone,
    countryCode: r.country_code,
    phoneNumber: r.phone_national,
    userId: r.user_id,
    name: r.name,
    profileName: r.profile_name,
    traits: c.traits,
    tags: c.tags,
    whatsappOptedIn: r.whatsapp_opted_in === null ? null : Number(r.whatsapp_opted_in) === 1,
    marketingOptOut: r.marketing_opted_out_at ? { at: new Date(Number(r.marketing_opted_out_at)).toISOString(), reason: r.marketing_opt_out_reason ?? null } : null,
    createdAt: c.created_at_utc,
    updatedAt: c.modified_at_utc,
  };
}

export interface ListContactsInput {
  /** Matches name, WhatsApp profile name or phone (part of it). */
  q?: string | undefined;
  tag?: string | undefined;
  trait?: string | undefined;
  /** With `trait`: equals this value (as text); without it, contacts having the trait. */
  value?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Contacts newest first, with search; keyset cursor (created_at, id). */
export async function listContacts(db: Kysely<any>, workspaceId: string, input: ListContactsInput): Promise<{ items: ContactView[]; nextCursor: string | null }> {
  const conds = [sql`c.workspace_id = ${workspaceId}`, sql`c.erased_at is null`];
  if (input.q) {
    const like = `%${input.q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const digits = input.q.replace(/[^0-9]/g, '');
    conds.push(
      digits.length >= 3
        ? sql`(lower(c.name) like ${like} escape '\\' or lower(c.profile_name) like ${like} escape '\\' or c.phone like ${`%${digits}%`})`
        : sql`(lower(c.name) like ${like} escape '\\' or lower(c.profile_name) like ${like} escape '\\')`,
    );
  }
  if (input.tag) conds.push(sql`c.id in (select g.contact_id from contact_tags g where g.workspace_id = ${workspaceId} and g.tag = ${input.tag})`);
  if (input.trait) {
    conds.push(
      input.value !== undefined
        ? sql`c.id in (select t.contact_id from contact_traits t where t.workspace_id = ${workspaceId} and t.key = ${input.trait} and t.str_val = ${input.value})`
        : sql`c.id in (select t.contact_id from contact_traits t where t.workspace_id = ${workspaceId} and t.key = ${input.trait})`,
    );
  }
  if (input.cursor) {
    const [at, id] = Buffer.from(input.cursor, 'base64url').toString().split('|');
    if (!at || !id || !/^\d+$/.test(at)) throw new AppError('validation_failed', 'cursor is not one this API gave', [{ field: 'cursor' }]);
    conds.push(sql`(c.created_at < ${Number(at)} or (c.created_at = ${Number(at)} and c.id < ${id}))`);
  }
  const rows = (await sql<CustomerRow>`select c.* from contacts c where ${sql.join(conds, sql` and `)} order by c.created_at desc, c.id desc limit ${input.limit + 1}`.execute(db)).rows;
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { items: page.map((r) => toContactView(r)), nextCursor: rows.length > input.limit && last ? Buffer.from(`${Number(last.created_at)}|${last.id}`).toString('base64url') : null };
}

export async function getContactView(db: Kysely<any>, workspaceId: string, id: string): Promise<ContactView> {
  const row = await db.selectFrom('contacts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('erased_at', 'is', null).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Contact ${id} not found`);
  return toContactView(row as CustomerRow);
}

/**
 * The contact's conversations (one per business number): service window and unread count.
 * Read-only view of messaging's conversations table (a messaging service for this would be the
 * cleaner boundary; none exists yet).
 */
export async function contactConversations(db: Kysely<any>, workspaceId: string, contactId: string, nowMs: number) {
  const rows = await db
    .selectFrom('conversations')
    .select(['id', 'number_id', 'last_message_at', 'last_inbound_at', 'window_expires_at', 'unread_count'])
    .where('workspace_id', '=', workspaceId)
    .where('contact_id', '=', contactId)
    .execute();
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
  return rows.map((r) => ({
    id: r.id,
    numberId: r.number_id,
    lastMessageAt: iso(r.last_message_at),
    lastInboundAt: iso(r.last_inbound_at),
    windowOpen: r.window_expires_at !== null && Number(r.window_expires_at) > nowMs,
    windowExpiresAt: iso(r.window_expires_at),
    unreadCount: Number(r.unread_count),
  }));
}

export type TimelineItem =
  | { kind: 'event'; id: string; at: string; name: string; properties: Record<string, unknown> }
  | { kind: 'message'; id: string; at: string; direction: string; type: string; status: string; templateName: string | null; source: string };

/**
 * The contact's timeline, newest first: events (tracked events, opt changes) and messages, merged
 * by time; `before` (ms) pages back.
 */
export async function contactTimeline(db: Kysely<any>, workspaceId: string, contactId: string, input: { limit: number; before?: number | undefined }): Promise<{ items: TimelineItem[]; nextBefore: number | null }> {
  const before = input.before ?? Number.MAX_SAFE_INTEGER;
  const events = await db.selectFrom('contact_events').selectAll().where('contact_id', '=', contactId).where('workspace_id', '=', workspaceId).where('occurred_at', '<', before).orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(input.limit).execute();
  const messages = await db
    .selectFrom('messages')
    .select(['id', 'created_at', 'direction', 'type', 'status', 'template_name', 'source'])
    .where('workspace_id', '=', workspaceId)
    .where('contact_id', '=', contactId)
    .where('created_at', '<', before)
    .orderBy('created_at', 'desc')
    .limit(input.limit)
    .execute();
  const items: (TimelineItem & { ms: number })[] = [
    ...events.map((r) => {
      const e = toContactEvent(r as Parameters<typeof toContactEvent>[0]);
      return { kind: 'event' as const, id: e.id, ms: e.occurredAt, at: new Date(e.occurredAt).toISOString(), name: e.name, properties: e.properties };
    }),
    ...messages.map((m) => ({ kind: 'message' as const, id: m.id, ms: Number(m.created_at), at: new Date(Number(m.created_at)).toISOString(), direction: m.direction, type: m.type, status: m.status, templateName: m.template_name, source: m.source })),
  ];
  items.sort((a, b) => b.ms - a.ms || (a.id < b.id ? 1 : -1));
  const page = items.slice(0, input.limit);
  const more = items.length > input.limit || events.length === input.limit || messages.length === input.limit;
  return { items: page.map(({ ms: _ms, ...rest }) => rest as TimelineItem), nextBefore: more && page.length ? page[page.length - 1]!.ms : null };
}

/** Removes tags from a contact (read model and query model). */
export async function removeContactTags(tx: Tx, workspaceId: string, contactId: string, tags: string[], now: number): Promise<void> {
  if (tags.length === 0) return;
  const row = await tx.db.selectFrom('contacts').select('tags').where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Contact ${contactId} not found`);
  const drop = new Set(tags);
  await tx.db.updateTable('contacts').set({ tags: JSON.stringify((JSON.parse(row.tags) as string[]).filter((t) => !drop.has(t))), updated_at: now }).where('id', '=', contactId).execute();
  await tx.db.deleteFrom('contact_tags').where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId).where('tag', 'in', tags).execute();
}
