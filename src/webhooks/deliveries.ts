import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { AppError } from '../platform/errors.ts';
import { getEndpoint } from './endpoints.ts';
import { pendingDelivery } from './record-events.ts';
import type { WebhookDeliveriesTable } from './tables.ts';
import { notifyEventsCommitted } from './wake.ts';

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  replayOf: string | null;
  createdAt: number;
}

/** The log speaks of `failed` for dead-lettered deliveries. */
function view(r: Selectable<WebhookDeliveriesTable>): DeliveryView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.state === 'dead' ? 'failed' : r.state,
    attempts: Number(r.attempts),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    lastAttemptAt: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
    nextAttemptAt: r.state === 'pending' && r.next_attempt_at !== null ? Number(r.next_attempt_at) : null,
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    replayOf: r.replay_of,
    createdAt: Number(r.created_at),
  };
}

export interface ListDeliveriesInput {
  status?: 'pending' | 'delivered' | 'failed';
  /** Newest first; pass the last page's `next` to continue. */
  before?: number;
  limit: number;
}

export async function listDeliveries(database: Database, workspaceId: string, endpointId: string, input: ListDeliveriesInput): Promise<{ data: DeliveryView[]; next: number | null }> {
  await getEndpoint(database, workspaceId, endpointId);
  let q = database.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('workspace_id', '=', workspaceId);
  if (input.status) q = q.where('state', '=', input.status === 'failed' ? 'dead' : input.status);
  if (input.before !== undefined) q = q.where('seq', '<', input.before);
  const rows = await q.orderBy('seq', 'desc').limit(input.limit + 1).execute();
  const page = rows.slice(0, input.limit);
  return { data: page.map(view), next: rows.length > input.limit ? Number(page[page.length - 1]!.seq) : null };
}

export async function getDelivery(database: Database, workspaceId: string, id: string): Promise<DeliveryView & { body: unknown }> {
  const row = await database.db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Webhook delivery ${id} not found`);
  const ev = await database.db.selectFrom('webhook_events').select('payload').where('id', '=', row.event_id).executeTakeFirst();
  return { ...view(row), body: ev ? JSON.parse(ev.payload) : null };
}

/** Queues the delivery's event again for its endpoint (a new delivery row, same event id). */
export async function redeliverOne(database: Database, clock: Clock, workspaceId: string, id: string): Promise<DeliveryView> {
  const row = await database.db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `Webhook delivery ${id} not found`);
  const ev = await database.db.selectFrom('webhook_events').select(['id', 'contact_id']).where('id', '=', row.event_id).executeTakeFirst();
  if (!ev) throw new AppError('conflict', 'The event of this delivery is no longer stored (retention or erasure); it cannot be redelivered');
  const now = clock.nowMs();
  const fresh = pendingDelivery({ workspaceId, endpointId: row.endpoint_id, eventId: row.event_id, eventType: row.event_type, contactId: ev.contact_id, now, replayOf: row.id });
  await database.transaction(async (tx) => {
    await tx.db.insertInto('webhook_deliveries').values(fresh).execute();
    tx.afterCommit(notifyEventsCommitted);
  });
  return view({ ...fresh, seq: 0 });
}

export interface RedeliverRangeInput {
  /** 'failed': dead-lettered deliveries of the range; 'all': every event of the range the endpoint subscribes to. */
  scope: 'failed' | 'all';
  from: number;
  to?: number;
}

/**
 * Bulk replay: every dead-lettered delivery of a time range, or every event since a time (for a
 * receiver that lost data). New delivery rows, in event order, carrying the original event ids
 * so receivers can deduplicate.
 */
export async function redeliverRange(database: Database, clock: Clock, workspaceId: string, endpointId: string, input: RedeliverRangeInput): Promise<{ queued: number }> {
  const endpoint = await getEndpoint(database, workspaceId, endpointId);
  const to = input.to ?? clock.nowMs();
  const now = clock.nowMs();
  let queued = 0;
  let after = -1;
  // Pages of 1,000 in short transactions: replaying a week must not hold one long transaction.
  for (;;) {
    const rows =
      input.scope === 'failed'
        ? await database.db
            .selectFrom('webhook_deliveries as d')
            .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
            .select(['d.seq as seq', 'd.id as delivery_id', 'e.id as event_id', 'e.type as type', 'e.contact_id as contact_id'])
            .where('d.endpoint_id', '=', endpointId)
            .where('d.state', '=', 'dead')
            .where('d.created_at', '>=', input.from)
            .where('d.created_at', '<=', to)
            .where('d.seq', '>', after)
            .orderBy('d.seq')
            .limit(1000)
            .execute()
        : await database.db
            .selectFrom('webhook_events as e')
            .select(['e.seq as seq', sql<string | null>`null`.as('delivery_id'), 'e.id as event_id', 'e.type as type', 'e.contact_id as contact_id'])
            .where('e.workspace_id', '=', workspaceId)
            .where('e.created_at', '>=', input.from)
            .where('e.created_at', '<=', to)
            .where('e.seq', '>', after)
            .orderBy('e.seq')
            .limit(1000)
            .execute();
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.seq);
    const fresh = rows
      .filter((r) => endpoint.events.length === 0 || endpoint.events.includes(r.type))
      .map((r) => pendingDelivery({ workspaceId, endpointId, eventId: r.event_id, eventType: r.type, contactId: r.contact_id, now, replayOf: r.delivery_id }));
    if (fresh.length) {
      await database.transaction(async (tx) => {
        for (let i = 0; i < fresh.length; i += 500) await tx.db.insertInto('webhook_deliveries').values(fresh.slice(i, i + 500)).execute();
        tx.afterCommit(notifyEventsCommitted);
      });
    }
    queued += fresh.length;
    if (rows.length < 1000) break;
  }
  return { queued };
}

export async function listNotices(database: Database, workspaceId: string, limit = 50) {
  const rows = await database.db.selectFrom('webhook_notices').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, endpointId: r.endpoint_id, kind: r.kind, message: r.message, createdAt: Number(r.created_at) }));
}
