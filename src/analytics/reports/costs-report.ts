import type { Db } from '../../platform/db/database.ts';
import type { ReportRange } from '../range.ts';
import { bucketIndex } from '../time-buckets.ts';
import { ledgerSlots } from './ledger.ts';

interface Line {
  category: string;
  market: string;
  currency: string;
  messages: number;
  amountMicros: number;
}

/**
 * What Meta charged, from the cost ledger (its rate card, zero markup): per bucket and in total,
 * by pricing category and market, in each currency (amounts are never added across currencies).
 */
export async function costsReport(db: Db, workspaceId: string, range: ReportRange) {
  const rows = await ledgerSlots(db, workspaceId, range.startMs, range.endMs);
  const totals = new Map<string, Line>();
  const perBucket = range.buckets.map(() => new Map<string, Line>());
  for (const r of rows) {
    const i = bucketIndex(range.buckets, r.slot);
    if (i < 0) continue;
    const key = `${r.category}|${r.market}|${r.currency}`;
    for (const m of [totals, perBucket[i]!]) {
      const line = m.get(key) ?? { category: r.category, market: r.market, currency: r.currency, messages: 0, amountMicros: 0 };
      line.messages += r.count;
      line.amountMicros += r.amountMicros;
      m.set(key, line);
    }
  }
  const sorted = (m: Map<string, Line>) => [...m.values()].sort((a, b) => a.currency.localeCompare(b.currency) || a.category.localeCompare(b.category) || a.market.localeCompare(b.market));
  const byCurrency = new Map<string, number>();
  for (const l of totals.values()) byCurrency.set(l.currency, (byCurrency.get(l.currency) ?? 0) + l.amountMicros);
  return {
    timeZone: range.timeZone,
    granularity: range.granularity,
    from: range.from,
    to: range.to,
    totals: { byCurrency: [...byCurrency].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountMicros]) => ({ currency, amountMicros })), lines: sorted(totals) },
    buckets: range.buckets.map((b, i) => ({ start: b.start, lines: sorted(perBucket[i]!) })),
  };
}
