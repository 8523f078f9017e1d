import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.ts';

export interface StoredInboxEvent {
  /** Position in the workspace's stream; the SSE `id` (send it back as Last-Event-ID). */
  cursor: string;
  type: string;
  payload: unknown;
  createdAt: number;
}

const PG_CURSOR = /^(\d{1,20})\.(\d{1,18})$/;
const SQLITE_CURSOR = /^(\d{1,18})$/;

export function isCursor(database: Database, value: string): boolean {
  return (database.dialect === 'postgres' ? PG_CURSOR : SQLITE_CURSOR).test(value);
}

/**
 * A workspace's events after `cursor`, in commit order. PostgreSQL: only rows of transactions
 * older than the oldest one still running (pg_snapshot_xmin), ordered by (txid, seq), so an event
 * committed late never sorts behind a cursor already served (same scheme as the webhook feed).
 */
export async function readInboxEvents(database: Database, workspaceId: string, cursor: string, limit: number): Promise<StoredInboxEvent[]> {
  if (database.dialect === 'postgres') {
    const m = PG_CURSOR.exec(cursor);
    const txid = m ? m[1]! : '0';
    const seq = m ? Number(m[2]) : 0;
    const rows = (
      await sql<{ seq: number; txid: string; type: string; payload: string; created_at: number }>`
        select seq, txid::text as txid, type, payload, created_at from inbox_events
        where workspace_id = ${workspaceId} and (txid, seq) > (${txid}::xid8, ${seq}) and txid < pg_snapshot_xmin(pg_current_snapshot())
        order by txid, seq limit ${limit}`.execute(database.db)
    ).rows;
    return rows.map((r) => ({ cursor: `${r.txid}.${Number(r.seq)}`, type: r.type, payload: JSON.parse(r.payload), createdAt: Number(r.created_at) }));
  }
  const after = SQLITE_CURSOR.test(cursor) ? Number(cursor) : 0;
  const rows = await database.db.selectFrom('inbox_events').select(['seq', 'type', 'payload', 'created_at']).where('workspace_id', '=', workspaceId).where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({ cursor: String(Number(r.seq)), type: r.type, payload: JSON.parse(r.payload), createdAt: Number(r.created_at) }));
}

/** The cursor after the workspace's latest servable event (where a new stream starts). */
export async function headCursor(database: Database, workspaceId: string): Promise<string> {
  if (database.dialect === 'postgres') {
    const row = (
      await sql<{ seq: number; txid: string }>`
        select seq, txid::text as txid from inbox_events
        where workspace_id = ${workspaceId} and txid < pg_snapshot_xmin(pg_current_snapshot())
        order by txid desc, seq desc limit 1`.execute(database.db)
    ).rows[0];
    return row ? `${row.txid}.${Number(row.seq)}` : '0.0';
  }
  const row = await database.db.selectFrom('inbox_events').select('seq').where('workspace_id', '=', workspaceId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? String(Number(row.seq)) : '0';
}
