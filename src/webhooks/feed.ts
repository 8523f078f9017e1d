import { sql } from 'kysely';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';

export interface FeedEvent {
  id: string;
  type: string;
  createdAt: number;
  /** The Interakt-format body, exactly as webhook receivers get it. */
  payload: unknown;
}

export interface FeedPage {
  data: FeedEvent[];
  /** Pass as `after` to get what follows; unchanged when nothing new was committed. */
  cursor: string;
}

/**
 * The polling alternative: a workspace's events in commit order after a cursor. On SQLite the
 * cursor is the row's seq (one writer, commits in seq order). On PostgreSQL it is `txid.seq`, and
 * only events of transactions older than the oldest one still running are served (see
 * migrations.ts): an event whose transaction commits late is therefore never behind the cursor.
 */
export async function readFeed(database: Database, workspaceId: string, after: string | undefined, limit: number, types?: string[]): Promise<FeedPage> {
  const pg = database.dialect === 'postgres';
  let txid = '0';
  let seq = 0;
  if (after) {
    const m = pg ? /^(\d{1,20})\.(\d{1,18})$/.exec(after) : /^(\d{1,18})$/.exec(after);
    if (!m) throw new AppError('validation_failed', `Invalid cursor "${after}": pass the cursor of a previous answer, or omit it to start at the beginning`);
    if (pg) {
      txid = m[1]!;
      seq = Number(m[2]);
    } else seq = Number(m[1]);
  }
  const typeFilter = types && types.length ? sql`and type in (${sql.join(types)})` : sql``;
  let rows: { id: string; type: string; created_at: number; payload: string; seq: number; txid?: string }[];
  if (pg) {
    rows = (
      await sql<{ id: string; type: string; created_at: number; payload: string; seq: number; txid: string }>`
        select id, type, created_at, payload, seq, txid::text as txid from webhook_events
        where workspace_id = ${workspaceId}
          and (txid, seq) > (${txid}::xid8, ${seq})
          and txid < pg_snapshot_xmin(pg_current_snapshot())
          ${typeFilter}
        order by txid, seq limit ${limit}`.execute(database.db)
    ).rows;
  } else {
    rows = (
      await sql<{ id: string; type: string; created_at: number; payload: string; seq: number }>`
        select id, type, created_at, payload, seq from webhook_events
        where workspace_id = ${workspaceId} and seq > ${seq} ${typeFilter}
        order by seq limit ${limit}`.execute(database.db)
    ).rows;
  }
  const last = rows[rows.length - 1];
  const cursor = last ? (pg ? `${last.txid}.${Number(last.seq)}` : String(Number(last.seq))) : after ?? (pg ? '0.0' : '0');
  return {
    data: rows.map((r) => ({ id: r.id, type: r.type, createdAt: Number(r.created_at), payload: JSON.parse(r.payload) })),
    cursor,
  };
}
