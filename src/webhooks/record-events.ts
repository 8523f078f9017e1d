import type { Kysely } from 'kysely';
import type { Tx } from '../platform/db/database.ts';
import { dialectOf, insertRows, type BulkInsert } from '../platform/db/bulk-insert.ts';
import { precompiledWithList } from '../platform/db/precompiled.ts';
import { newId } from '../platform/ids.ts';
import type { EventBody } from './payloads/types.ts';
import { notifyEventsCommitted } from './wake.ts';

/** One event to emit: the workspace, Interakt's type, the contact it concerns (per-contact order), the body. */
export interface OutboundEvent {
  workspaceId: string;
  type: string;
  contactId: string | null;
  payload: EventBody;
  /** When it happened (ms); default: the payload's own time is kept, the row gets now. */
  at?: number;
}

interface EndpointRow {
  id: string;
  event_types: string;
}

/** Built once (bulk-insert.ts, precompiledWithList): these run for every batch of statuses. */
const EVENTS_INSERT: BulkInsert = { table: 'webhook_events', columns: ['id', 'workspace_id', 'type', 'contact_id', 'payload', 'created_at'] };
const DELIVERIES_INSERT: BulkInsert = {
  table: 'webhook_deliveries',
  columns: ['id', 'workspace_id', 'endpoint_id', 'event_id', 'event_type', 'contact_key', 'state', 'attempts', 'next_attempt_at', 'lease_token', 'last_status_code', 'last_error', 'last_attempt_at', 'delivered_at', 'replay_of', 'created_at'],
};
const activeEndpoints = precompiledWithList<Record<string, never>, EndpointRow & { workspace_id: string }>((db, _a, workspaces) =>
  db.selectFrom('webhook_endpoints').select(['id', 'workspace_id', 'event_types']).where('workspace_id', 'in', workspaces as string[]).where('status', '=', 'active'),
);

function subscribed(types: string[], type: string): boolean {
  return types.length === 0 || types.includes(type);
}

/**
 * Appends events to the workspace's feed and one pending delivery per active endpoint that
 * subscribes to the type, in the caller's transaction (contract 1): the events exist if and only
 * if the change that caused them committed. Pass the `Tx` when you have it: the deliverer is then
 * woken the moment the transaction commits; with a bare Kysely it is woken shortly after.
 */
export async function recordEvents(target: Tx | Kysely<any>, events: OutboundEvent[], nowMs: number = Date.now()): Promise<void> {
  if (events.length === 0) return;
  const tx = 'afterCommit' in target ? target : undefined;
  const db = (tx ? tx.db : target) as Kysely<any>;
  const workspaces = [...new Set(events.map((e) => e.workspaceId))];
  const endpoints = new Map<string, { id: string; types: string[] }[]>();
  const rows = (await activeEndpoints.execute(db, {}, workspaces)).rows;
  for (const r of rows) {
    const list = endpoints.get(r.workspace_id) ?? [];
    list.push({ id: r.id, types: JSON.parse(r.event_types) as string[] });
    endpoints.set(r.workspace_id, list);
  }
  const eventRows: Record<string, unknown>[] = [];
  const deliveryRows: Record<string, unknown>[] = [];
  for (const e of events) {
    const at = e.at ?? nowMs;
    const id = newId(at);
    eventRows.push({ id, workspace_id: e.workspaceId, type: e.type, contact_id: e.contactId, payload: JSON.stringify(e.payload), created_at: at });
    for (const ep of endpoints.get(e.workspaceId) ?? []) {
      if (!subscribed(ep.types, e.type)) continue;
      deliveryRows.push(pendingDelivery({ workspaceId: e.workspaceId, endpointId: ep.id, eventId: id, eventType: e.type, contactId: e.contactId, now: at }));
    }
  }
  // Multi-row inserts in chunks (SQLite binds at most 32,766 parameters per statement).
  const dialect = dialectOf(db);
  await insertRows(db, dialect, EVENTS_INSERT, eventRows.map((r) => EVENTS_INSERT.columns.map((c) => r[c])), 500);
  if (deliveryRows.length > 0) await insertRows(db, dialect, DELIVERIES_INSERT, deliveryRows.map((r) => DELIVERIES_INSERT.columns.map((c) => (r as Record<string, unknown>)[c])), 500);
  // Only the deliverer listens, and only deliveries give it work: events no endpoint subscribes
  // to (a broadcast's statuses in a workspace without endpoints) wake nobody.
  if (deliveryRows.length > 0) {
    if (tx) tx.afterCommit(notifyEventsCommitted);
    else setTimeout(notifyEventsCommitted, 20).unref();
  }
}

export function pendingDelivery(input: { workspaceId: string; endpointId: string; eventId: string; eventType: string; contactId: string | null; now: number; replayOf?: string | null }) {
  return {
    id: newId(input.now),
    workspace_id: input.workspaceId,
    endpoint_id: input.endpointId,
    event_id: input.eventId,
    event_type: input.eventType,
    contact_key: input.contactId,
    state: 'pending' as const,
    attempts: 0,
    next_attempt_at: input.now,
    lease_token: null,
    last_status_code: null,
    last_error: null,
    last_attempt_at: null,
    delivered_at: null,
    replay_of: input.replayOf ?? null,
    created_at: input.now,
  };
}
