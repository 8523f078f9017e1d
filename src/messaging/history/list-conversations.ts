import type { Db } from '../../platform/db/database.ts';
import { decodeCursor, encodeCursor, iso } from './cursor.ts';
import { toMessageSummary, type MessageSummary } from './message-view.ts';

export interface ConversationView {
  id: string;
  numberId: string;
  contact: { id: string; phone: string; name: string | null; profileName: string | null; userId: string | null };
  lastMessage: MessageSummary | null;
  lastMessageAt: string | null;
  lastInboundAt: string | null;
  /** The customer service window is open until then (null: never opened); compare with now. */
  windowOpenUntil: string | null;
  windowOpen: boolean;
  unreadCount: number;
}

/** A workspace's conversations, most recent first, keyset-paginated by (last_message_at, id). */
export async function listConversations(db: Db, nowMs: number, workspaceId: string, opts: { limit: number; cursor?: string | undefined }): Promise<{ data: ConversationView[]; nextCursor: string | null }> {
  const after = decodeCursor(opts.cursor);
  let q = db
    .selectFrom('conversations as cv')
    .innerJoin('contacts as c', 'c.id', 'cv.contact_id')
    .leftJoin('messages as m', 'm.id', 'cv.last_message_id')
    .select([
      'cv.id', 'cv.number_id', 'cv.contact_id', 'cv.last_message_at', 'cv.last_inbound_at', 'cv.window_expires_at', 'cv.unread_count',
      'c.phone', 'c.name', 'c.profile_name', 'c.user_id',
      'm.id as m_id', 'm.direction as m_direction', 'm.type as m_type', 'm.content as m_content', 'm.status as m_status', 'm.created_at as m_created_at',
    ])
    .where('cv.workspace_id', '=', workspaceId);
  if (after) q = q.where((eb) => eb.or([eb('cv.last_message_at', '<', after.at), eb.and([eb('cv.last_message_at', '=', after.at), eb('cv.id', '<', after.id)])]));
  const rows = await q.orderBy('cv.last_message_at', 'desc').orderBy('cv.id', 'desc').limit(opts.limit + 1).execute();
  const page = rows.slice(0, opts.limit);
  const data = page.map((r) => ({
    id: r.id,
    numberId: r.number_id,
    contact: { id: r.contact_id, phone: r.phone, name: r.name, profileName: r.profile_name, userId: r.user_id },
    lastMessage: r.m_id ? toMessageSummary({ id: r.m_id, direction: r.m_direction!, type: r.m_type!, content: r.m_content!, status: r.m_status!, created_at: r.m_created_at! }) : null,
    lastMessageAt: iso(r.last_message_at),
    lastInboundAt: iso(r.last_inbound_at),
    windowOpenUntil: iso(r.window_expires_at),
    windowOpen: r.window_expires_at != null && Number(r.window_expires_at) > nowMs,
    unreadCount: Number(r.unread_count),
  }));
  const last = page[page.length - 1];
  return { data, nextCursor: rows.length > opts.limit && last ? encodeCursor(Number(last.last_message_at ?? 0), last.id) : null };
}
