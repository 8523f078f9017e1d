import type { Insertable } from 'kysely';
import type { Tx } from '../../platform/db/database.ts';
import { dialectOf, insertRows, type BulkInsert } from '../../platform/db/bulk-insert.ts';
import { precompiled } from '../../platform/db/precompiled.ts';
import type { CostLedgerTable } from '../tables.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { marketForRecipient } from './market.ts';

export interface MessagePricing {
  category: string | null;
  type: string | null;
  billable: boolean | null;
}

/** Billable per Meta's pricing object: `type: regular`, or the (deprecated) `billable` flag when there is no type. */
export function isBillable(p: MessagePricing): boolean {
  if (p.type) return p.type === 'regular';
  return p.billable === true;
}

export interface RateLookup {
  market: string;
  category: string;
  /** When the message was delivered: the rate in effect then applies. */
  atMs: number;
  currency?: string;
}

/** The rate card row in effect at `atMs` for (market, category), or undefined. */
export async function findRate(tx: Tx, q: RateLookup): Promise<{ currency: string; amountMicros: number } | undefined> {
  let query = tx.db
    .selectFrom('rate_cards')
    .select(['currency', 'amount_micros'])
    .where('market', '=', q.market)
    .where('category', '=', q.category)
    .where('effective_from', '<=', q.atMs);
  if (q.currency) query = query.where('currency', '=', q.currency);
  const row = await query.orderBy('effective_from', 'desc').limit(1).executeTakeFirst();
  return row ? { currency: row.currency, amountMicros: Number(row.amount_micros) } : undefined;
}

/**
 * Rate card rows by market and category, newest first, read once per batch of statuses (one
 * webhook's transaction) instead of one query per delivered message.
 */
export type RateMemo = Map<string, { currency: string; amountMicros: number; effectiveFrom: number }[]>;

/** Compiled once: read for each (market, category) a status batch prices. */
const ratesOf = precompiled<{ market: string; category: string }, { currency: string; amount_micros: number | string; effective_from: number | string }>((db, a) =>
  db.selectFrom('rate_cards').select(['currency', 'amount_micros', 'effective_from']).where('market', '=', a('market')).where('category', '=', a('category')).orderBy('effective_from', 'desc'),
);

/** Ledger rows, one prepared multi-row statement per batch; RETURNING counts the rows written. */
const LEDGER_INSERT: BulkInsert = {
  table: 'cost_ledger',
  columns: ['id', 'workspace_id', 'message_id', 'number_id', 'category', 'pricing_type', 'market', 'currency', 'amount_micros', 'billable', 'occurred_at'],
  tail: 'on conflict (message_id) do nothing returning message_id',
};

async function memoRate(tx: Tx, q: RateLookup, memo: RateMemo): Promise<{ currency: string; amountMicros: number } | undefined> {
  const key = `${q.market}\u0000${q.category}`;
  let rows = memo.get(key);
  if (!rows) {
    const found = (await ratesOf.execute(tx.db, { market: q.market, category: q.category })).rows;
    rows = found.map((r) => ({ currency: r.currency, amountMicros: Number(r.amount_micros), effectiveFrom: Number(r.effective_from) }));
    memo.set(key, rows);
  }
  const row = rows.find((r) => r.effectiveFrom <= q.atMs && (!q.currency || r.currency === q.currency));
  return row ? { currency: row.currency, amountMicros: row.amountMicros } : undefined;
}

export interface RecordCostInput {
  workspaceId: string;
  messageId: string;
  numberId: string;
  recipient: string;
  pricing: MessagePricing;
  occurredAt: number;
}

export type CostRow = Insertable<CostLedgerTable>;

/**
 * The ledger row of a delivered billable message at the rate card's amount with zero markup, or
 * undefined when it is not billable or no rate is configured for its market and category (logged).
 * Rates are read once per (market, category) per batch through `memo`.
 */
export async function priceDelivered(tx: Tx, input: RecordCostInput, memo: RateMemo, logger?: Logger): Promise<CostRow | undefined> {
  const { pricing } = input;
  if (!isBillable(pricing) || !pricing.category) return undefined;
  const market = marketForRecipient(input.recipient);
  // Meta spells it authentication-international in pricing (and authentication_international elsewhere).
  const category = pricing.category.replace('authentication_international', 'authentication-international');
  const rate = await memoRate(tx, { market, category, atMs: input.occurredAt }, memo);
  if (!rate) {
    logger?.warn({ market, category, messageId: input.messageId }, 'no rate card entry for a billable delivered message; not priced');
    return undefined;
  }
  return {
    id: newId(input.occurredAt),
    workspace_id: input.workspaceId,
    message_id: input.messageId,
    number_id: input.numberId,
    category,
    pricing_type: pricing.type,
    market,
    currency: rate.currency,
    amount_micros: rate.amountMicros,
    billable: 1,
    occurred_at: input.occurredAt,
  };
}

/** Writes ledger rows; a message already in the ledger keeps its row (message id is unique). Returns rows written. */
export async function insertCostRows(tx: Tx, rows: CostRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map((r) => LEDGER_INSERT.columns.map((c) => (r as Record<string, unknown>)[c] ?? null));
  return (await insertRows(tx.db, dialectOf(tx.db), LEDGER_INSERT, values, 200)).length;
}

/** Writes the ledger row of one delivered billable message, once. False when not billable, unpriced or already recorded. */
export async function recordDeliveredCost(tx: Tx, input: RecordCostInput, logger?: Logger, memo: RateMemo = new Map()): Promise<boolean> {
  const row = await priceDelivered(tx, input, memo, logger);
  return row ? (await insertCostRows(tx, [row])) > 0 : false;
}
