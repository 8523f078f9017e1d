import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

export type InboxView = 'mine' | 'unassigned' | 'all';

export interface InboxListItem {
  conversationId: string;
  numberId: string;
  contactId: string;
  lastMessageAt: string | null;
  unreadCount: number;
  status: 'open' | 'closed';
  assigneeId: string | null;
  teamId: string | null;
}

export interface InboxListQuery {
  view: InboxView;
  /** Required for view "mine". */
  userId: string | null;
  status?: 'open' | 'closed' | undefined;
  teamId?: string | undefined;
  label?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function decode(cursor: string | undefined): { at: number; id: string } | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'number' && typeof id === 'string') return { at, id };
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'cursor is not valid: pass the nextCursor of the previous page', [{ field: 'cursor' }]);
}

/**
 * The inbox's conversation list: mine / unassigned / all, open or closed, by team or label, most
 * recent first (keyset pagination on messaging's last_message_at, id). A conversation without an
 * inbox row yet is open and unassigned. Reads messaging's `conversations` read-only for the order
 * and counters; the contact and last message come from GET /api/v1/conversations.
 */
export async function listInbox(db: Db, workspaceId: string, q: InboxListQuery): Promise<{ data: InboxListItem[]; nextCursor: string | null }> {
  if (q.view === 'mine' && !q.userId) throw new AppError('bad_request', 'view=mine needs a signed-in user (session), not an API key');
  const after = decode(q.cursor);
  let query = filteredInbox(db, workspaceId, q);
  if (after) query = query.where((eb) => eb.or([eb('cv.last_message_at', '<', after.at), eb.and([eb('cv.last_message_at', '=', after.at), eb('cv.id', '<', after.id)])]));
  const rows = await query.orderBy('cv.last_message_at', 'desc').orderBy('cv.id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toInboxListItem),
    nextCursor: rows.length > q.limit && last ? Buffer.from(JSON.stringify([Number(last.last_message_at ?? 0), last.id])).toString('base64url') : null,
  };
}

/**
 * The inbox's conversations with the list's filters applied (view, status, team, label), unordered
 * and unpaged: the list and the search share it, so a filter means the same in both.
 */
export function filteredInbox(db: Db, workspaceId: string, q: Omit<InboxListQuery, 'limit' | 'cursor'>) {
  let query = db
    .selectFrom('conversations as cv')
    .leftJoin('inbox_conversations as ic', (j) => j.onRef('ic.number_id', '=', 'cv.number_id').onRef('ic.contact_id', '=', 'cv.contact_id'))
    .select(['cv.id', 'cv.number_id', 'cv.contact_id', 'cv.last_message_at', 'cv.unread_count', 'ic.status', 'ic.assignee_user_id', 'ic.team_id'])
    .where('cv.workspace_id', '=', workspaceId);
  if (q.view === 'mine') query = query.where('ic.assignee_user_id', '=', q.userId ?? '');
  if (q.view === 'unassigned') query = query.where('ic.assignee_user_id', 'is', null);
  if (q.status === 'closed') query = query.where('ic.status', '=', 'closed');
  if (q.status === 'open') query = query.where((eb) => eb.or([eb('ic.status', '=', 'open'), eb('ic.status', 'is', null)]));
  if (q.teamId) query = query.where('ic.team_id', '=', q.teamId);
  if (q.label) {
    const label = q.label.trim().toLowerCase();
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('conversation_labels as cl')
          .innerJoin('labels as l', 'l.id', 'cl.label_id')
          .select('cl.label_id')
          .whereRef('cl.number_id', '=', 'cv.number_id')
          .whereRef('cl.contact_id', '=', 'cv.contact_id')
          .where('l.workspace_id', '=', workspaceId)
          .where('l.name', '=', label),
      ),
    );
  }
  return query;
}

/** A conversation row (with its state's status, assignee and team) as the inbox list shows it. */
export type InboxItemRow = { id: string; number_id: string; contact_id: string; last_message_at: number | string | null; unread_count: number | string; status: string | null; assignee_user_id: string | null; team_id: string | null };
export function toInboxListItem(r: InboxItemRow): InboxListItem {
  return {
    conversationId: r.id,
    numberId: r.number_id,
    contactId: r.contact_id,
    lastMessageAt: r.last_message_at == null ? null : new Date(Number(r.last_message_at)).toISOString(),
    unreadCount: Number(r.unread_count),
    status: (r.status ?? 'open') as 'open' | 'closed',
    assigneeId: r.assignee_user_id ?? null,
    teamId: r.team_id ?? null,
  };
}
