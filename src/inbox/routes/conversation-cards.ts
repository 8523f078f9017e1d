import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../../http-context.ts';
import { toMessageSummary } from '../../messaging/history/message-view.ts';
import type { Db } from '../../platform/db/database.ts';
import { principalOf } from '../../public-api/plugin.ts';
import { userOf } from '../../workspaces/people/index.ts';
import { filteredInbox, listInbox, toInboxListItem, type InboxItemRow, type InboxListItem, type InboxListQuery } from '../list-inbox.ts';
import { security, tags } from './common.ts';

const CardsQuery = Type.Object({
  view: Type.Optional(Type.String({ enum: ['mine', 'unassigned', 'all'] })),
  status: Type.Optional(Type.String({ enum: ['open', 'closed'] })),
  teamId: Type.Optional(Type.String({ maxLength: 64 })),
  label: Type.Optional(Type.String({ maxLength: 50 })),
  id: Type.Optional(Type.String({ maxLength: 64, description: 'Just this conversation (whatever the other filters say)' })),
  q: Type.Optional(Type.String({ maxLength: 100, description: "Search the contact's name or phone (contains); answers the 50 most recent matches, no further pages" })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|1[0-9][0-9]|200)$', description: 'Page size 1–200 (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Card = Type.Object({
  conversationId: Type.String(),
  numberId: Type.String(),
  contact: Type.Object({ id: Type.String(), phone: Type.String(), name: Nullable(Type.String()), profileName: Nullable(Type.String()) }),
  lastMessage: Type.Union([
    Type.Object({ id: Type.String(), direction: Type.String(), type: Type.String(), status: Type.String(), preview: Nullable(Type.String()), createdAt: Nullable(Type.String()) }),
    Type.Null(),
  ]),
  lastMessageAt: Nullable(Type.String({ format: 'date-time' })),
  windowOpenUntil: Nullable(Type.String({ format: 'date-time' })),
  unreadCount: Type.Integer(),
  status: Type.String({ enum: ['open', 'closed'] }),
  assigneeId: Nullable(Type.String()),
  teamId: Nullable(Type.String()),
  labels: Type.Array(Type.String()),
});
export type ConversationCard = Static<typeof Card>;

/**
 * The inbox list as the dashboard draws it (GET /api/v1/inbox/conversation-cards): the same
 * filters and order as /inbox/conversations, each row with its contact, last message preview,
 * window and labels — fetched for the page's rows only, in three indexed queries, so a workspace
 * with 100,000 conversations opens as fast as one with ten.
 */
export function registerConversationCardsRoute(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Querystring: Static<typeof CardsQuery> }>(
    '/inbox/conversation-cards',
    {
      config: { access: 'agent' },
      schema: {
        tags,
        summary: 'The inbox list with contact, last message, window and labels per row (mine / unassigned / all, open/closed, label, search)',
        security,
        querystring: CardsQuery,
        response: { 200: Type.Object({ data: Type.Array(Card), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const q = request.query;
      const workspaceId = principalOf(request).workspace.id;
      const filters: InboxListQuery = {
        view: (q.view ?? 'all') as InboxListQuery['view'],
        userId: userOf(request)?.id ?? null,
        status: q.status as 'open' | 'closed' | undefined,
        teamId: q.teamId,
        label: q.label,
        limit: Number(q.limit ?? 50),
        cursor: q.cursor,
      };
      if (q.id) return { data: await toCards(ctx.database.db, workspaceId, await oneConversation(ctx.database.db, workspaceId, q.id)), nextCursor: null };
      const search = q.q?.trim();
      const page = search ? { data: await searchInbox(ctx.database.db, workspaceId, filters, search), nextCursor: null } : await listInbox(ctx.database.db, workspaceId, filters);
      return { data: await toCards(ctx.database.db, workspaceId, page.data), nextCursor: page.nextCursor };
    },
  );
}

async function oneConversation(db: Db, workspaceId: string, id: string): Promise<InboxListItem[]> {
  const r = await db
    .selectFrom('conversations as cv')
    .leftJoin('inbox_conversations as ic', (j) => j.onRef('ic.number_id', '=', 'cv.number_id').onRef('ic.contact_id', '=', 'cv.contact_id'))
    .select(['cv.id', 'cv.number_id', 'cv.contact_id', 'cv.last_message_at', 'cv.unread_count', 'ic.status', 'ic.assignee_user_id', 'ic.team_id'])
    .where('cv.workspace_id', '=', workspaceId)
    .where('cv.id', '=', id)
    .executeTakeFirst();
  return r ? [toInboxListItem(r)] : [];
}

/**
 * Conversations whose contact's name, WhatsApp profile name or phone contains `text`, newest
 * first, with the list's filters (a label too) applied in the query, before the limit.
 */
async function searchInbox(db: Db, workspaceId: string, f: InboxListQuery, text: string): Promise<InboxListItem[]> {
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const digits = text.replace(/[^0-9]/g, '');
  // A join, not `contact_id in (…)`: SQLite then walks the conversations newest first and stops
  // at the limit, so a common name answers in about a millisecond on 100,000 conversations (the
  // subquery form first collected every matching contact: 30 ms).
  const rows = await filteredInbox(db, workspaceId, f)
    .innerJoin('contacts as c', 'c.id', 'cv.contact_id')
    .where((eb) =>
      eb.or([
        eb(sql`lower(coalesce(c.name, ''))`, 'like', sql`${like} escape '\\'`),
        eb(sql`lower(coalesce(c.profile_name, ''))`, 'like', sql`${like} escape '\\'`),
        ...(digits.length >= 3 ? [eb('c.phone', 'like', `%${digits}%`)] : []),
      ]),
    )
    .orderBy('cv.last_message_at', 'desc')
    .orderBy('cv.id', 'desc')
    .limit(f.limit)
    .execute();
  return rows.map((r) => toInboxListItem(r as InboxItemRow));
}

async function labelsOf(db: Db, workspaceId: string, items: InboxListItem[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (items.length === 0) return out;
  const byKey = new Map(items.map((i) => [`${i.numberId}\u0000${i.contactId}`, i.conversationId]));
  const rows = await db
    .selectFrom('conversation_labels as cl')
    .innerJoin('labels as l', 'l.id', 'cl.label_id')
    .select(['cl.number_id', 'cl.contact_id', 'l.name'])
    .where('cl.workspace_id', '=', workspaceId)
    // number_id first: the primary key (number_id, contact_id, label_id) then finds each row; by
    // contact_id alone the table was scanned whole on every list call.
    .where('cl.number_id', 'in', [...new Set(items.map((i) => i.numberId))])
    .where('cl.contact_id', 'in', [...new Set(items.map((i) => i.contactId))])
    .orderBy('l.name')
    .execute();
  for (const r of rows) {
    const id = byKey.get(`${r.number_id}\u0000${r.contact_id}`);
    if (id) out.set(id, [...(out.get(id) ?? []), r.name]);
  }
  return out;
}

async function toCards(db: Db, workspaceId: string, items: InboxListItem[]): Promise<ConversationCard[]> {
  if (items.length === 0) return [];
  const rows = await db
    .selectFrom('conversations as cv')
    .innerJoin('contacts as c', 'c.id', 'cv.contact_id')
    .leftJoin('messages as m', 'm.id', 'cv.last_message_id')
    .select(['cv.id', 'cv.workspace_id', 'cv.window_expires_at', 'c.phone', 'c.name', 'c.profile_name', 'm.id as m_id', 'm.direction as m_direction', 'm.type as m_type', 'm.content as m_content', 'm.status as m_status', 'm.created_at as m_created_at'])
    // By primary key only: with a workspace condition too, SQLite may walk the workspace's whole
    // index instead of the 50 ids. The workspace is checked on the rows instead.
    .where('cv.id', 'in', items.map((i) => i.conversationId))
    .execute();
  const details = new Map(rows.filter((r) => r.workspace_id === workspaceId).map((r) => [r.id, r]));
  const labels = await labelsOf(db, workspaceId, items);
  return items.flatMap((i) => {
    const r = details.get(i.conversationId);
    if (!r) return [];
    return [
      {
        conversationId: i.conversationId,
        numberId: i.numberId,
        contact: { id: i.contactId, phone: r.phone, name: r.name, profileName: r.profile_name },
        lastMessage: r.m_id ? toMessageSummary({ id: r.m_id, direction: r.m_direction!, type: r.m_type!, content: r.m_content!, status: r.m_status!, created_at: r.m_created_at! }) : null,
        lastMessageAt: i.lastMessageAt,
        windowOpenUntil: r.window_expires_at == null ? null : new Date(Number(r.window_expires_at)).toISOString(),
        unreadCount: i.unreadCount,
        status: i.status,
        assigneeId: i.assigneeId,
        teamId: i.teamId,
        labels: labels.get(i.conversationId) ?? [],
      },
    ];
  });
}
