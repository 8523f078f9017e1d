import { sql } from 'kysely';
import type { Db } from '../../platform/db/database.ts';
import { SLOT_MS } from '../message-slots.ts';
import type { ReportRange } from '../range.ts';
import { bucketIndex } from '../time-buckets.ts';
import { ledgerSlots } from './ledger.ts';

/** Counts of a time column per 15-minute slot (indexed range read, grouped in SQL). */
async function slotCounts(db: Db, table: 'conversations' | 'inbox_conversations', column: 'created_at' | 'opened_at' | 'closed_at', workspaceId: string, startMs: number, endMs: number) {
  const rows = await sql<{ slot: number; n: number }>`
    select ${sql.ref(column)} - (${sql.ref(column)} % ${sql.lit(SLOT_MS)}) as slot, count(*) as n from ${sql.table(table)}
    where workspace_id = ${workspaceId} and ${sql.ref(column)} >= ${startMs} and ${sql.ref(column)} < ${endMs}
    group by ${sql.ref(column)} - (${sql.ref(column)} % ${sql.lit(SLOT_MS)})`.execute(db);
  return rows.rows.map((r) => ({ slot: Number(r.slot), n: Number(r.n) }));
}

/**
 * Conversations over time: threads started (a customer's or the business's first message to
 * the other), inbox conversations opened and closed (the inbox keeps each conversation's latest
 * open/close, so a conversation reopened later counts at its latest opening), and billed
 * messages by Meta's pricing category. Since July 2025 Meta prices per delivered message, not per
 * 24-hour conversation, so the category split is of charged messages from the cost ledger.
 */
export async function conversationsReport(db: Db, workspaceId: string, range: ReportRange) {
  const [started, opened, closed, billed] = await Promise.all([
    slotCounts(db, 'conversations', 'created_at', workspaceId, range.startMs, range.endMs),
    slotCounts(db, 'inbox_conversations', 'opened_at', workspaceId, range.startMs, range.endMs),
    slotCounts(db, 'inbox_conversations', 'closed_at', workspaceId, range.startMs, range.endMs),
    ledgerSlots(db, workspaceId, range.startMs, range.endMs),
  ]);
  const rows = range.buckets.map((b) => ({ start: b.start, started: 0, opened: 0, closed: 0, billedByCategory: {} as Record<string, number> }));
  const totals = { started: 0, opened: 0, closed: 0, billedByCategory: {} as Record<string, number> };
  const put = (list: { slot: number; n: number }[], field: 'started' | 'opened' | 'closed') => {
    for (const r of list) {
      const i = bucketIndex(range.buckets, r.slot);
      if (i < 0) continue;
      rows[i]![field] += r.n;
      totals[field] += r.n;
    }
  };
  put(started, 'started');
  put(opened, 'opened');
  put(closed, 'closed');
  for (const r of billed) {
    const i = bucketIndex(range.buckets, r.slot);
    if (i < 0) continue;
    rows[i]!.billedByCategory[r.category] = (rows[i]!.billedByCategory[r.category] ?? 0) + r.count;
    totals.billedByCategory[r.category] = (totals.billedByCategory[r.category] ?? 0) + r.count;
  }
  return { timeZone: range.timeZone, granularity: range.granularity, from: range.from, to: range.to, totals, buckets: rows };
}
