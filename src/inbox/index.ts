/**
 * The team inbox: assignment (manual, teams, round robin with caps), open/closed, business hours
 * and the out-of-hours reply, private notes, labels, canned responses, realtime events (SSE).
 *
 * For other modules:
 * - `onInboundMessage(tx, dialect, {...})`: called once per stored customer message inside the
 *   inbound transaction (src/messaging/inbound/record-inbound-messages.ts).
 * - `publishInboxEvents(tx, nowMs, events)` with `messageStatusEvent({...})`: publish a message's
 *   status change to live inbox streams from the status-application transaction.
 */
export { messageStatusEvent, publishInboxEvents, type InboxEvent } from './events/publish.ts';
export { inboxMigrations } from './migrations.ts';
export { onInboundMessage, type InboundForInbox } from './on-inbound-message.ts';
export { registerInboxRoutes, setupInbox } from './setup.ts';
export { assignConversation, ALREADY_ASSIGNED, AGENT_INACTIVE, AGENT_NOT_FOUND } from './assignment.ts';
export { latestConversationOfContact } from './conversation-ref.ts';
