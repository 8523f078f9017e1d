import type { Tx } from '../../platform/db/database.ts';
import { dialectOf, insertRows, type BulkInsert } from '../../platform/db/bulk-insert.ts';

/** What the inbox's event log stores (typing is not stored: see typing.ts). */
export type InboxEventType = 'message.received' | 'message.status' | 'conversation.assignment' | 'conversation.status' | 'conversation.labels' | 'note.created';

export interface InboxEvent {
  workspaceId: string;
  type: InboxEventType;
  payload: Record<string, unknown>;
}

export const INBOX_EVENTS_CHANNEL = 'samvad_inbox_events';

/**
 * After-commit wake-ups of this process's inbox runtimes (one per started app; tests start
 * several). Each NOTIFYs its own database: on PostgreSQL every process's stream hub LISTENs,
 * on SQLite the notification is an in-process event. A module-level set because the callers
 * (inbound recording, status application) have a transaction, not the app's resources.
 */
const wakers = new Set<{ events(): void; jobs(): void }>();

export function registerInboxWaker(w: { events(): void; jobs(): void }): () => void {
  wakers.add(w);
  return () => wakers.delete(w);
}

export function wakeInboxEvents(): void {
  for (const w of wakers) w.events();
}

export function wakeInboxJobs(): void {
  for (const w of wakers) w.jobs();
}

const EVENTS_INSERT: BulkInsert = { table: 'inbox_events', columns: ['workspace_id', 'type', 'payload', 'created_at'] };

/**
 * Appends realtime events in the caller's transaction: they reach SSE streams once it commits,
 * never if it rolls back. Call it from any module whose change the inbox shows live. The lead's
 * status application calls it with `messageStatusEvent(...)` per status change.
 */
export async function publishInboxEvents(tx: Tx, nowMs: number, events: InboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Bound multi-row SQL (bulk-insert.ts): a status batch publishes one event per status change.
  await insertRows(
    tx.db,
    dialectOf(tx.db),
    EVENTS_INSERT,
    events.map((e) => [e.workspaceId, e.type, JSON.stringify(e.payload), nowMs]),
    500,
  );
  tx.afterCommit(wakeInboxEvents);
}

/** The event for a message's status change (sent, delivered, read, failed …). */
export function messageStatusEvent(input: {
  workspaceId: string;
  messageId: string;
  contactId: string;
  numberId: string;
  status: string;
  errorCode?: number | null;
  errorTitle?: string | null;
  occurredAt: number;
}): InboxEvent {
  return {
    workspaceId: input.workspaceId,
    type: 'message.status',
    payload: {
      messageId: input.messageId,
      contactId: input.contactId,
      numberId: input.numberId,
      status: input.status,
      ...(input.errorCode != null ? { errorCode: input.errorCode, errorTitle: input.errorTitle ?? null } : {}),
      occurredAt: new Date(input.occurredAt).toISOString(),
    },
  };
}
