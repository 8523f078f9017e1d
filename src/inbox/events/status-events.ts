import type { Clock } from '../../platform/clock.ts';
import { onStatusChanges, type AppliedStatusBatch } from '../../messaging/status/index.ts';
import type { Tx } from '../../platform/db/database.ts';
import { messageStatusEvent, publishInboxEvents } from './publish.ts';

/** A status batch's changes as inbox events (sent, delivered, read, failed with Meta's code and title). */
export async function publishStatusChanges(tx: Tx, nowMs: number, batch: AppliedStatusBatch): Promise<void> {
  const events = [];
  for (const c of batch.changes) {
    const m = batch.messages.get(c.messageId);
    if (!m) continue;
    events.push(
      messageStatusEvent({ workspaceId: batch.workspaceId, messageId: c.messageId, contactId: m.contact_id, numberId: m.number_id, status: c.to, errorCode: c.errorCode, errorTitle: m.error_title, occurredAt: c.occurredAt }),
    );
  }
  await publishInboxEvents(tx, nowMs, events);
}

// Messaging keeps one process-wide list of status hooks: subscribe once however many apps run
// in this process (tests), so no status is published twice.
let subscribed = false;

/** Publishes every applied status change to the inbox streams, in the status transaction. */
export function subscribeStatusEvents(clock: Clock): void {
  if (subscribed) return;
  subscribed = true;
  onStatusChanges((tx, batch) => publishStatusChanges(tx, clock.nowMs(), batch));
}
