import type { Updateable } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { isBillable, recordDeliveredCost, type RateMemo } from '../pricing/record-cost.ts';
import type { StatusUpdate } from '../provider-events.ts';
import type { MessageStatus, MessagesTable } from '../tables.ts';
import { canMove } from './status-order.ts';

export interface ApplyStatusUpdatesInput {
  workspaceId: string;
  numberId: string;
  statuses: StatusUpdate[];
}

export interface StatusChange {
  messageId: string;
  from: MessageStatus;
  to: MessageStatus;
  occurredAt: number;
  errorCode: number | null;
}

export interface ApplyStatusUpdatesResult {
  /** Messages whose status moved (for outbound webhooks/events). */
  changes: StatusChange[];
  /** Statuses for no known message (neither wamid nor callback id matched): the caller may retry later. */
  unmatched: string[];
  /** Cost ledger rows written. */
  costed: number;
}

type Row = Pick<
  MessagesTable,
  'id' | 'workspace_id' | 'number_id' | 'recipient' | 'wamid' | 'status' | 'pricing_category' | 'pricing_type' | 'billable' | 'sent_at' | 'delivered_at' | 'read_at'
>;

const COLUMNS = ['id', 'workspace_id', 'number_id', 'recipient', 'wamid', 'status', 'pricing_category', 'pricing_type', 'billable', 'sent_at', 'delivered_at', 'read_at'] as const;

/**
 * Applies Meta's status reports (already verified and parsed by the channel) in one transaction:
 * finds each message by wamid, or by Samvad's id echoed in biz_opaque_callback_data (which also
 * resolves sends whose outcome was unknown), moves it along the monotonic order, keeps Meta's error
 * on `failed`, records pricing, adds the timeline event once per status, and writes the cost ledger
 * row once the message is delivered (or read, delivery implied) and billable.
 * Duplicates and out-of-order reports are harmless.
 */
export async function applyStatusUpdates(database: Database, clock: Clock, input: ApplyStatusUpdatesInput, logger?: Logger): Promise<ApplyStatusUpdatesResult> {
  // Oldest first, so a batch holding sent and delivered of one message applies in order.
  const statuses = [...input.statuses].sort((a, b) => a.occurredAt - b.occurredAt || rankOf(a.status) - rankOf(b.status));
  return database.transaction(async (tx) => {
    const result: ApplyStatusUpdatesResult = { changes: [], unmatched: [], costed: 0 };
    const rates: RateMemo = new Map();
    for (const s of statuses) await applyOne(tx, clock, input, s, result, rates, logger);
    return result;
  });
}

function rankOf(s: string): number {
  return { sent: 1, delivered: 2, read: 3, played: 3, failed: 4 }[s] ?? 5;
}

async function findMessage(tx: Tx, workspaceId: string, s: StatusUpdate): Promise<Row | undefined> {
  const byWamid = await tx.db.selectFrom('messages').select(COLUMNS).where('wamid', '=', s.wamid).executeTakeFirst();
  if (byWamid) return byWamid.workspace_id === workspaceId ? byWamid : undefined;
  if (!s.callbackMessageId) return undefined;
  return tx.db
    .selectFrom('messages')
    .select(COLUMNS)
    .where('id', '=', s.callbackMessageId)
    .where('workspace_id', '=', workspaceId)
    .where('direction', '=', 'outbound')
    .executeTakeFirst();
}

async function applyOne(tx: Tx, clock: Clock, input: ApplyStatusUpdatesInput, s: StatusUpdate, result: ApplyStatusUpdatesResult, rates: RateMemo, logger?: Logger): Promise<void> {
  const status = s.status === 'played' ? 'read' : s.status;
  if (status !== 'sent' && status !== 'delivered' && status !== 'read' && status !== 'failed') {
    logger?.warn({ status: s.status, wamid: s.wamid }, 'unknown message status ignored');
    return;
  }
  const msg = await findMessage(tx, input.workspaceId, s);
  if (!msg) {
    result.unmatched.push(s.wamid);
    return;
  }
  const now = clock.nowMs();
  const at = s.occurredAt;
  const set: Updateable<MessagesTable> = {};
  if (msg.wamid === null) set.wamid = s.wamid;

  // Pricing rides on sent and on one of delivered/read; keep the latest Meta sent.
  const pricing = {
    category: s.pricing?.category ?? msg.pricing_category,
    type: s.pricing?.type ?? msg.pricing_type,
    billable: s.pricing?.billable ?? (msg.billable === null ? null : msg.billable === 1),
  };
  if (s.pricing) {
    if (s.pricing.category !== undefined) set.pricing_category = s.pricing.category;
    if (s.pricing.type !== undefined) set.pricing_type = s.pricing.type;
    if (s.pricing.billable !== undefined) set.billable = s.pricing.billable ? 1 : 0;
  }

  const from = msg.status;
  const moves = canMove(from, status);
  const error = status === 'failed' ? s.errors[0] : undefined;
  if (moves) {
    set.status = status;
    if (status === 'failed') {
      set.failed_at = at;
      set.error_code = error?.code ?? null;
      set.error_title = error?.title ?? null;
      set.error_details = error?.details ?? error?.message ?? null;
    }
  }
  // Timestamps fill in even when the status does not move (a late delivered after read).
  if (status === 'sent' || status === 'delivered' || status === 'read') {
    if (msg.sent_at === null) set.sent_at = at;
    if ((status === 'delivered' || status === 'read') && msg.delivered_at === null) set.delivered_at = at;
    if (status === 'read' && msg.read_at === null) set.read_at = at;
  }
  if (Object.keys(set).length > 0) {
    set.updated_at = now;
    await tx.db.updateTable('messages').set(set).where('id', '=', msg.id).execute();
  }

  // A failure reported after delivery is not part of the message's story; anything else is kept once.
  const seen = status === 'failed' && !moves ? true : await tx.db
    .selectFrom('message_status_events')
    .select('id')
    .where('message_id', '=', msg.id)
    .where('status', '=', status)
    .limit(1)
    .executeTakeFirst();
  if (!seen) {
    await tx.db
      .insertInto('message_status_events')
      .values({
        id: newId(now),
        message_id: msg.id,
        workspace_id: msg.workspace_id,
        status,
        occurred_at: at,
        received_at: now,
        error_code: error?.code ?? null,
        error_title: error?.title ?? null,
      })
      .execute();
  }
  if (moves) result.changes.push({ messageId: msg.id, from, to: status, occurredAt: at, errorCode: error?.code ?? null });

  // The ledger: once per delivered billable message (read implies delivered; insert is idempotent).
  if ((status === 'delivered' || status === 'read') && from !== 'failed' && from !== 'expired' && isBillable(pricing)) {
    const deliveredAt = msg.delivered_at ?? at;
    if (await recordDeliveredCost(tx, { workspaceId: msg.workspace_id, messageId: msg.id, numberId: msg.number_id, recipient: msg.recipient, pricing, occurredAt: deliveredAt }, logger, rates)) {
      result.costed++;
    }
  }
}
