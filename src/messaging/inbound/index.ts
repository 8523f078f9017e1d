export { ensureConversation, FREE_ENTRY_POINT_MS, recordInboundMessages, SERVICE_WINDOW_MS, type RecordedInbound, type RecordInboundInput } from './record-inbound-messages.ts';
