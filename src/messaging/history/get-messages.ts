import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { toMessageView, type MessageView } from './message-view.ts';

async function withDetails(db: Db, rows: Parameters<typeof toMessageView>[0][]): Promise<MessageView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const events = await db.selectFrom('message_status_events').select(['message_id', 'status', 'occurred_at', 'error_code', 'error_title']).where('message_id', 'in', ids).orderBy('occurred_at').execute();
  const costs = await db.selectFrom('cost_ledger').select(['message_id', 'category', 'market', 'currency', 'amount_micros', 'billable']).where('message_id', 'in', ids).execute();
  const byMsg = new Map<string, typeof events>();
  for (const e of events) (byMsg.get(e.message_id) ?? byMsg.set(e.message_id, []).get(e.message_id)!).push(e);
  const costOf = new Map(costs.map((c) => [c.message_id, c]));
  return rows.map((r) => toMessageView(r, (byMsg.get(r.id) ?? []).map((e) => ({ ...e, occurred_at: Number(e.occurred_at) })), costOf.get(r.id)));
}

/** One message of the workspace with its status timeline and cost. */
export async function getMessage(db: Db, workspaceId: string, id: string): Promise<MessageView> {
  const row = await db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Message ${id} not found`);
  return (await withDetails(db, [row]))[0]!;
}

/** A contact's messages (both directions), newest first, keyset-paginated by (created_at, id). */
export async function listContactMessages(db: Db, workspaceId: string, contactId: string, opts: { limit: number; cursor?: string | undefined }): Promise<{ data: MessageView[]; nextCursor: string | null }> {
  const contact = await db.selectFrom('contacts').select('id').where('workspace_id', '=', workspaceId).where('id', '=', contactId).executeTakeFirst();
  if (!contact) throw new AppError('not_found', `Contact ${contactId} not found`);
  const after = decodeCursor(opts.cursor);
  let q = db.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('contact_id', '=', contactId);
  if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit + 1).execute();
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return { data: await withDetails(db, page), nextCursor: rows.length > opts.limit && last ? encodeCursor(Number(last.created_at), last.id) : null };
}
