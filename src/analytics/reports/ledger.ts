import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { SLOT_MS } from '../message-slots.ts';

export interface LedgerSlot {
  slot: number;
  category: string;
  market: string;
  currency: string;
  count: number;
  amountMicros: number;
}

/** Cost ledger rows (Meta's charges per delivered billable message, zero markup) per slot, category, market and currency; read from a covering index. */
export async function ledgerSlots(db: Db, workspaceId: string, startMs: number, endMs: number): Promise<LedgerSlot[]> {
  const rows = await db
    .selectFrom('cost_ledger')
    .select([
      sql<number>`occurred_at - (occurred_at % ${sql.lit(SLOT_MS)})`.as('slot'),
      'category',
      'market',
      'currency',
      sql<number>`count(*)`.as('n'),
      sql<number>`sum(amount_micros)`.as('amount'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('occurred_at', '>=', startMs)
    .where('occurred_at', '<', endMs)
    .groupBy([sql`occurred_at - (occurred_at % ${sql.lit(SLOT_MS)})`, 'category', 'market', 'currency'])
    .execute();
  return rows.map((r) => ({ slot: Number(r.slot), category: r.category, market: r.market, currency: r.currency, count: Number(r.n), amountMicros: Number(r.amount) }));
}
