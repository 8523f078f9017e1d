import type { Kysely } from 'kysely';
import type { Tx } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';

/** An event appended to a contact's timeline, as listeners see it. */
export interface ContactEvent {
  id: string;
  workspaceId: string;
  contactId: string;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: number;
}

export type ContactEventListener = (event: ContactEvent) => void;

const listeners = new Set<ContactEventListener>();

/**
 * Subscribes to events appended in this process (track events, opt changes). Listeners run after
 * the event's transaction commits when the appender was given the Tx (at most once, in-process:
 * a crash between commit and the call loses the notification). Consumers that must not miss an
 * event (event-triggered campaigns across processes) catch up with `listContactEventsSince`,
 * which reads the durable table in id (time) order. Returns the unsubscribe function.
 */
export function onContactEvent(listener: ContactEventListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event: ContactEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch {
      // A listener's failure is its own; the event is stored either way.
    }
  }
}

/**
 * A hook run inside the transaction that appends events, right after their insert: whatever it
 * writes commits or rolls back with the events, so a crash can never keep one without the other
 * (event-triggered campaigns, their stop rules and conversions). Keep it cheap: it runs on every
 * append (one call per batch on the coalesced path); with no hook registered nothing runs.
 */
export type ContactEventsTxHook = (db: Kysely<any>, events: readonly ContactEvent[]) => Promise<void>;

const txHooks: ContactEventsTxHook[] = [];

/** Registers an in-transaction hook (see ContactEventsTxHook). Returns the unregister function. */
export function onContactEventsInTransaction(hook: ContactEventsTxHook): () => void {
  txHooks.push(hook);
  return () => {
    const i = txHooks.indexOf(hook);
    if (i >= 0) txHooks.splice(i, 1);
  };
}

function isTx(x: unknown): x is Tx {
  return typeof x === 'object' && x !== null && 'afterCommit' in x && 'db' in x;
}

/**
 * Appends an event to a contact's timeline (never replaces one). `db` is the caller's
 * transaction: pass the Tx to have listeners called after commit; given a bare Kysely handle the
 * listeners are called once the insert ran (the caller owns the commit).
 */
export async function appendContactEvent(
  db: Kysely<any> | Tx,
  workspaceId: string,
  contactId: string,
  name: string,
  properties: Record<string, unknown>,
  atMs: number,
  nowMs: number = atMs,
): Promise<ContactEvent> {
  const handle: Kysely<any> = isTx(db) ? (db.db as unknown as Kysely<any>) : db;
  const event: ContactEvent = { id: newId(nowMs), workspaceId, contactId, name, properties, occurredAt: atMs };
  await handle
    .insertInto('contact_events')
    .values({ id: event.id, workspace_id: workspaceId, contact_id: contactId, name, properties: JSON.stringify(properties), occurred_at: atMs, created_at: nowMs })
    .execute();
  for (const hook of txHooks) await hook(handle, [event]);
  if (listeners.size > 0) {
    if (isTx(db)) db.afterCommit(() => emit(event));
    else emit(event);
  }
  return event;
}

/**
 * Appends several events in one multi-row insert (the coalesced track-events path), in the caller's
 * transaction; listeners are called after it commits, in order.
 */
export async function appendContactEvents(tx: Tx, events: ContactEvent[], nowMs: number): Promise<void> {
  const handle = tx.db as unknown as Kysely<any>;
  for (let i = 0; i < events.length; i += 1000) {
    await handle
      .insertInto('contact_events')
      .values(events.slice(i, i + 1000).map((e) => ({ id: e.id, workspace_id: e.workspaceId, contact_id: e.contactId, name: e.name, properties: JSON.stringify(e.properties), occurred_at: e.occurredAt, created_at: nowMs })))
      .execute();
  }
  for (const hook of txHooks) await hook(handle, events);
  if (listeners.size > 0) tx.afterCommit(() => events.forEach(emit));
}

/** Durable catch-up: the workspace's events stored after `afterId` (ids are time-ordered), oldest first. */
export async function listContactEventsSince(db: Kysely<any>, workspaceId: string, afterId: string | null, limit = 500): Promise<ContactEvent[]> {
  let q = db.selectFrom('contact_events').selectAll().where('workspace_id', '=', workspaceId);
  if (afterId) q = q.where('id', '>', afterId);
  const rows = await q.orderBy('id').limit(Math.min(Math.max(1, limit), 5000)).execute();
  return rows.map((r) => toContactEvent(r as Parameters<typeof toContactEvent>[0]));
}

export function toContactEvent(r: { id: string; workspace_id: string; contact_id: string; name: string; properties: string; occurred_at: number | string }): ContactEvent {
  return { id: r.id, workspaceId: r.workspace_id, contactId: r.contact_id, name: r.name, properties: JSON.parse(r.properties) as Record<string, unknown>, occurredAt: Number(r.occurred_at) };
}
