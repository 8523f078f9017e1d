import type { Tx } from '../../platform/db/database.ts';
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

export interface RecordCostInput {
  workspaceId: string;
  messageId: string;
  numberId: string;
  recipient: string;
  pricing: MessagePricing;
  occurredAt: number;
}

/**
 * Writes the ledger row of a delivered billable message, once (the message id is unique in the
 * ledger), at the rate card's amount with zero markup. Returns false when it is not billable,
 * already recorded, or no rate is configured for its market and category (logged).
 */
export async function recordDeliveredCost(tx: Tx, input: RecordCostInput, logger?: Logger): Promise<boolean> {
  const { pricing } = input;
  if (!isBillable(pricing) || !pricing.category) return false;
  const market = marketForRecipient(input.recipient);
  // Meta spells it authentication-international in pricing (and authentication_international elsewhere).
  const category = pricing.category.replace('authentication_international', 'authentication-international');
  const rate = await findRate(tx, { market, category, atMs: input.occurredAt });
  if (!rate) {
    logger?.warn({ market, category, messageId: input.messageId }, 'no rate card entry for a billable delivered message; not priced');
    return false;
  }
  const inserted = await tx.db
    .insertInto('cost_ledger')
    .values({
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
    })
    .onConflict((oc) => oc.column('message_id').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
}
