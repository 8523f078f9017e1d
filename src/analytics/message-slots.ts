import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';

/** 15 minutes: every IANA zone's UTC offset is a multiple of it, so slots regroup exactly into local hours and days. */
export const SLOT_MS = 900_000;

export interface SlotCounts {
  slot: number;
  number_id: string;
  source: string;
  direction: string;
  total: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

export const slotOf = (ms: number) => ms - (((ms % SLOT_MS) + SLOT_MS) % SLOT_MS);

/** Which dimensions a count keeps apart (the rest are summed, their field ''), and optional filters. */
export interface SlotQuery {
  byNumber: boolean;
  bySource: boolean;
  numberId?: string | undefined;
  source?: string | undefined;
}
/** Every dimension (the rollup's rows). */
export const ALL_DIMENSIONS: SlotQuery = { byNumber: true, bySource: true };

/**
 * Message counts per slot of created_at, direction and — as asked — number and source, straight
 * from `messages` for [fromMs, toMs). Each message counts in the slot it was created in (accepted
 * or received), with the furthest it got: sent (Meta accepted it), delivered, read (each implies
 * the one before), or failed (failed or expired); so a day's delivery rate is of that day's
 * messages. Used for the rollup (every dimension) and for the live tail newer than it.
 */
export async function countMessageSlots(db: Db, workspaceId: string, fromMs: number, toMs: number, q: SlotQuery = ALL_DIMENSIONS): Promise<SlotCounts[]> {
  if (toMs <= fromMs) return [];
  const slot = sql<number>`created_at - (created_at % ${sql.lit(SLOT_MS)})`;
  let query = db
    .selectFrom('messages')
    .select([
      slot.as('slot'),
      q.byNumber ? 'number_id' : sql<string>`''`.as('number_id'),
      q.bySource ? 'source' : sql<string>`''`.as('source'),
      'direction',
      sql<number>`count(*)`.as('total'),
      sql<number>`count(sent_at)`.as('sent'),
      sql<number>`count(delivered_at)`.as('delivered'),
      sql<number>`count(read_at)`.as('read'),
      sql<number>`sum(case when status in ('failed', 'expired') then 1 else 0 end)`.as('failed'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', fromMs)
    .where('created_at', '<', toMs);
  if (q.numberId !== undefined) query = query.where('number_id', '=', q.numberId);
  if (q.source !== undefined) query = query.where('source', '=', q.source);
  const rows = await query.groupBy([slot, ...(q.byNumber ? ['number_id' as const] : []), ...(q.bySource ? ['source' as const] : []), 'direction']).execute();
  return rows.map((r) => ({
    slot: Number(r.slot),
    number_id: r.number_id,
    source: r.source,
    direction: r.direction,
    total: Number(r.total),
    sent: Number(r.sent),
    delivered: Number(r.delivered),
    read: Number(r.read),
    failed: Number(r.failed ?? 0),
  }));
}
