import type { Insertable, Updateable } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { dialectOf, insertRows, type BulkInsert } from '../../platform/db/bulk-insert.ts';
import { precompiled, precompiledWithList } from '../../platform/db/precompiled.ts';
import type { Logger } from '../../platform/logger.ts';
import { insertCostRows, isBillable, priceDelivered, type CostRow, type RateMemo } from '../pricing/record-cost.ts';
import type { StatusUpdate } from '../provider-events.ts';
import type { MessageStatus, MessageStatusEventsTable, MessagesTable } from '../tables.ts';
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
  /** Messages whose status moved, in the order they moved. */
  changes: StatusChange[];
  /**
   * Each status Meta reported for the first time for its message, moved or not (a `sent` that
   * arrives after `delivered` is reported but moves nothing): one per new timeline row, for
   * outbound webhooks, which owe the brand one event per status Meta sent.
   */
  reported: StatusChange[];
  /** Statuses for no known message (neither wamid nor callback id matched): the caller may retry later. */
  unmatched: string[];
  /** Cost ledger rows written. */
  costed: number;
}

/** Called inside the transaction once the batch's rows are written (outbound events, opt-outs). */
export type StatusChangeHook = (tx: Tx, batch: AppliedStatusBatch) => Promise<void>;

export interface AppliedStatusBatch {
  workspaceId: string;
  numberId: string;
  changes: StatusChange[];
  /** First reports of each status (see ApplyStatusUpdatesResult.reported). */
  reported: StatusChange[];
  /** The messages the changes concern, as they are after the batch. */
  messages: ReadonlyMap<string, MessageRowForStatus>;
  /** The cost ledger rows this batch wrote or would have written, by message id. */
  costs: ReadonlyMap<string, CostRow>;
  /** Failed statuses as Meta reported them, by message id (error codes such as 131050). */
  failures: ReadonlyMap<string, StatusUpdate>;
}

const COLUMNS = [
  'id',
  'workspace_id',
  'number_id',
  'contact_id',
  'recipient',
  'wamid',
  'status',
  'type',
  'source',
  'campaign_id',
  'callback_data',
  'template_name',
  'template_language',
  'template_category',
  'pricing_category',
  'pricing_type',
  'billable',
  'created_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
  'error_code',
  'error_title',
  'error_details',
] as const;

export type MessageRowForStatus = Pick<MessagesTable, (typeof COLUMNS)[number]>;

/** SQLite's default limit on bound variables is 32766; PostgreSQL's 65535. Stay far below both. */
const CHUNK = 500;

/** The status timeline's rows, one multi-row statement per webhook (bulk-insert.ts: no per-value query building). */
const STATUS_EVENT_COLUMNS = ['id', 'message_id', 'workspace_id', 'status', 'occurred_at', 'received_at', 'error_code', 'error_title'] as const;
const STATUS_EVENTS_INSERT: BulkInsert = { table: 'message_status_events', columns: STATUS_EVENT_COLUMNS, tail: 'on conflict (message_id, status) do nothing returning message_id, status' };

/** The messages a status webhook names, compiled once per list length (precompiledWithList). */
const byWamids = precompiledWithList<Record<string, never>, MessageRowForStatus>((db, _a, wamids) => db.selectFrom('messages').select(COLUMNS).where('wamid', 'in', wamids as string[]));

const hooks: StatusChangeHook[] = [];

/** Modules that react to status changes in the same transaction (outbound webhooks, opt-outs) register here. */
export function onStatusChanges(hook: StatusChangeHook): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/** Runs the registered hooks on a status change made here or elsewhere (a send Meta refused at once). */
export async function runStatusHooks(tx: Tx, batch: AppliedStatusBatch): Promise<void> {
  for (const hook of hooks) await hook(tx, batch);
}

/** A message's columns as status hooks see them. */
export async function loadMessageForStatus(tx: Tx, id: string): Promise<MessageRowForStatus | undefined> {
  return tx.db.selectFrom('messages').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/**
 * Applies one webhook's status reports (already verified and parsed by the channel) in one
 * transaction, with a fixed number of statements whatever the batch size: the messages are read
 * with one `wamid IN (…)` (and one `id IN (…)` for reports that only Samvad's echoed callback id
 * can match — this also resolves sends whose outcome was unknown); each report then moves its
 * message along the monotonic order in memory; then one UPDATE per changed message, one
 * multi-row insert of timeline events (a unique (message, status) index makes a repeat a no-op),
 * and one multi-row insert into the cost ledger for messages that became delivered and billable.
 * Duplicates and out-of-order reports are harmless.
 */
export async function applyStatusUpdates(database: Database, clock: Clock, input: ApplyStatusUpdatesInput, logger?: Logger): Promise<ApplyStatusUpdatesResult> {
  const statuses: (StatusUpdate & { status: 'sent' | 'delivered' | 'read' | 'failed' })[] = [];
  for (const s of input.statuses) {
    const status = s.status === 'played' ? 'read' : s.status;
    if (status === 'sent' || status === 'delivered' || status === 'read' || status === 'failed') statuses.push({ ...s, status });
    else logger?.warn({ status: s.status, wamid: s.wamid }, 'unknown message status ignored');
  }
  // Oldest first, so a batch holding sent and delivered of one message applies in order.
  statuses.sort((a, b) => a.occurredAt - b.occurredAt || rankOf(a.status) - rankOf(b.status));
  return database.transaction(async (tx) => {
    const result: ApplyStatusUpdatesResult = { changes: [], reported: [], unmatched: [], costed: 0 };
    if (statuses.length === 0) return result;
    const found = await loadMessages(tx, input.workspaceId, statuses);
    const now = clock.nowMs();
    const updates = new Map<string, Updateable<MessagesTable>>();
    const events: Insertable<MessageStatusEventsTable>[] = [];
    const costs = new Map<string, CostRow>();
    const failures = new Map<string, StatusUpdate>();
    const touched = new Map<string, MessageRowForStatus>();
    /** The status a message had when each (message, status) report was applied. */
    const fromOf = new Map<string, MessageStatus>();
    const rates: RateMemo = new Map();

    for (const s of statuses) {
      const msg = found.byWamid.get(s.wamid) ?? (s.callbackMessageId ? found.byId.get(s.callbackMessageId) : undefined);
      if (!msg) {
        result.unmatched.push(s.wamid);
        continue;
      }
      const set = updates.get(msg.id) ?? {};
      const status = s.status;
      const at = s.occurredAt;
      if (msg.wamid === null) {
        set.wamid = msg.wamid = s.wamid;
        found.byWamid.set(s.wamid, msg);
      }
      // Pricing rides on sent and on one of delivered/read; keep the latest Meta sent.
      if (s.pricing) {
        if (s.pricing.category !== undefined) set.pricing_category = msg.pricing_category = s.pricing.category;
        if (s.pricing.type !== undefined) set.pricing_type = msg.pricing_type = s.pricing.type;
        if (s.pricing.billable !== undefined) set.billable = msg.billable = s.pricing.billable ? 1 : 0;
      }
      const from = msg.status;
      const moves = canMove(from, status);
      const error = status === 'failed' ? s.errors[0] : undefined;
      if (moves) {
        set.status = msg.status = status;
        if (status === 'failed') {
          set.failed_at = msg.failed_at = at;
          set.error_code = msg.error_code = error?.code ?? null;
          set.error_title = msg.error_title = error?.title ?? null;
          set.error_details = msg.error_details = error?.details ?? error?.message ?? null;
          failures.set(msg.id, s);
        }
      }
      // Timestamps fill in even when the status does not move (a late delivered after read).
      const deliveredBefore = msg.delivered_at;
      if (status !== 'failed') {
        if (msg.sent_at === null) set.sent_at = msg.sent_at = at;
        if ((status === 'delivered' || status === 'read') && msg.delivered_at === null) set.delivered_at = msg.delivered_at = at;
        if (status === 'read' && msg.read_at === null) set.read_at = msg.read_at = at;
      }
      if (Object.keys(set).length > 0) updates.set(msg.id, set);
      touched.set(msg.id, msg);

      // A failure reported after delivery is not part of the message's story; anything else is kept once.
      if (status !== 'failed' || moves) {
        fromOf.set(`${msg.id}\u0000${status}`, from);
        events.push({ id: newId(now), message_id: msg.id, workspace_id: msg.workspace_id, status, occurred_at: at, received_at: now, error_code: error?.code ?? null, error_title: error?.title ?? null });
      }
      if (moves) result.changes.push({ messageId: msg.id, from, to: status, occurredAt: at, errorCode: error?.code ?? null });

      // The ledger: once per delivered billable message (read implies delivered; the insert is idempotent).
      if ((status === 'delivered' || status === 'read') && from !== 'failed' && from !== 'expired' && !costs.has(msg.id)) {
        const pricing = { category: msg.pricing_category, type: msg.pricing_type, billable: msg.billable === null ? null : msg.billable === 1 };
        if (isBillable(pricing)) {
          const row = await priceDelivered(tx, { workspaceId: msg.workspace_id, messageId: msg.id, numberId: msg.number_id, recipient: msg.recipient, pricing, occurredAt: deliveredBefore ?? at }, rates, logger);
          if (row) costs.set(msg.id, row);
        }
      }
    }

    for (const [id, set] of updates) {
      set.updated_at = now;
      await updateMessage(tx, id, set);
    }
    const fresh = new Set<string>();
    const inserted = await insertRows<{ message_id: string; status: string }>(
      tx.db,
      dialectOf(tx.db),
      STATUS_EVENTS_INSERT,
      events.map((e) => STATUS_EVENT_COLUMNS.map((c) => e[c])),
      CHUNK,
    );
    for (const r of inserted) fresh.add(`${r.message_id}\u0000${r.status}`);
    for (const e of events) {
      if (!fresh.delete(`${e.message_id}\u0000${e.status}`)) continue;
      const m = touched.get(e.message_id)!;
      result.reported.push({ messageId: e.message_id, from: fromOf.get(`${e.message_id}\u0000${e.status}`) ?? m.status, to: e.status as MessageStatus, occurredAt: Number(e.occurred_at), errorCode: e.error_code ?? null });
    }
    result.costed = await insertCostRows(tx, [...costs.values()]);
    if (touched.size > 0) {
      await runStatusHooks(tx, { workspaceId: input.workspaceId, numberId: input.numberId, changes: result.changes, reported: result.reported, messages: touched, costs, failures });
    }
    return result;
  });
}

/** A status batch sets a handful of column combinations; each is compiled once (precompiled()). */
const updatesByShape = new Map<string, ReturnType<typeof precompiled<Record<string, unknown>>>>();

async function updateMessage(tx: Tx, id: string, set: Updateable<MessagesTable>): Promise<void> {
  const columns = Object.keys(set).sort() as (keyof MessagesTable & string)[];
  const shape = columns.join(',');
  let q = updatesByShape.get(shape);
  if (!q) {
    q = precompiled<Record<string, unknown>>((db, a) =>
      db
        .updateTable('messages')
        .set(Object.fromEntries(columns.map((c) => [c, a(c)])))
        .where('id', '=', a('\u0000id') as string),
    );
    updatesByShape.set(shape, q);
  }
  await q.execute(tx.db, { ...set, '\u0000id': id });
}

function rankOf(s: string): number {
  return { sent: 1, delivered: 2, read: 3, failed: 4 }[s] ?? 5;
}

/** The batch's messages by wamid, then by Samvad's id for reports whose wamid Samvad has not recorded. */
async function loadMessages(tx: Tx, workspaceId: string, statuses: StatusUpdate[]) {
  const byWamid = new Map<string, MessageRowForStatus>();
  const byId = new Map<string, MessageRowForStatus>();
  const wamids = [...new Set(statuses.map((s) => s.wamid))];
  for (let i = 0; i < wamids.length; i += CHUNK) {
    const rows = (await byWamids.execute(tx.db, {}, wamids.slice(i, i + CHUNK))).rows;
    for (const r of rows) {
      // A wamid belongs to one workspace; a report naming another workspace's message is not ours to apply.
      if (r.workspace_id !== workspaceId) continue;
      byWamid.set(r.wamid!, r);
      byId.set(r.id, r);
    }
  }
  const ids = [...new Set(statuses.filter((s) => !byWamid.has(s.wamid) && s.callbackMessageId && !byId.has(s.callbackMessageId)).map((s) => s.callbackMessageId!))];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await tx.db
      .selectFrom('messages')
      .select(COLUMNS)
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .where('workspace_id', '=', workspaceId)
      .where('direction', '=', 'outbound')
      .execute();
    for (const r of rows) byId.set(r.id, r);
  }
  return { byWamid, byId };
}
