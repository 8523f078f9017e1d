/**
 * The contacts module's services (other modules use these, never the contacts tables).
 *
 * Contract 2 (campaigns, messaging, webhooks, inbox):
 * - `streamSegmentContactIds(database, workspaceId, segmentId, batchSize?)` and
 *   `streamContactIdsByTag(database, workspaceId, tag, batchSize?)`: AsyncIterable<string[]> of
 *   contact ids in id order, erased contacts excluded; memory is one batch.
 * - `isOptedOutOfMarketing(db, workspaceId, contactId)`, `optOutOfMarketing(db, workspaceId,
 *   contactId, reason, atMs)` / `optInToMarketing(...)`: in the caller's transaction; idempotent;
 *   every change is a timeline event ("WhatsApp Opted Out" / "WhatsApp Opted In").
 *   Meta's 131050 ("user stopped marketing messages"): call `optOutOfMarketing(tx, ws, contactId,
 *   'meta_131050', atMs)` from status processing.
 * - `appendContactEvent(db | tx, workspaceId, contactId, name, properties, atMs)`.
 * - Event hook for event-triggered sends: `onContactEvent(listener)` — in-process, called after
 *   the event's transaction commits (track events via the API, opt changes), at most once. For a
 *   durable feed across processes and restarts, page with `listContactEventsSince(db,
 *   workspaceId, afterEventId, limit)` (event ids are time-ordered) and keep your cursor.
 * - Erasure: `registerContactErasure(name, (db, workspaceId, contactId, ctx) => …)` from
 *   `./erasure.ts`; the contact DELETE runs every registered eraser in one transaction.
 */
export type { Contact } from './contact.ts';
export { findContactByPhone, getContact } from './find-contact.ts';
export { parsePhoneInput, parseWaId, type ParsedPhone, type PhoneInput } from './phone.ts';
export { upsertContactForSend, upsertContactsForSend, upsertContactFromInbound, type UpsertContactForSendInput, type UpsertContactFromInboundInput } from './upsert-contact.ts';
export { appendContactEvent, onContactEvent, listContactEventsSince, type ContactEvent, type ContactEventListener } from './events/append-event.ts';
export { contactsOptedOutOfMarketing } from './opted-out-batch.ts';
export { assertMarketingAllowed, isOptedOutOfMarketing, optOutOfMarketing, optInToMarketing, OPTED_IN_EVENT, OPTED_OUT_EVENT, OPTED_OUT_MESSAGE, type OptReason } from './opt-out/marketing-opt.ts';
export { handleInboundOptKeyword, inboundText, OPT_REPLY_JOB, type InboundKeywordInput } from './opt-out/inbound-keywords.ts';
export { registerContactErasure, eraseContact, type ContactEraser, type ErasureContext } from './erasure.ts';
export { streamSegmentContactIds, getSegment, countSegmentById, type Segment } from './segments/segments.ts';
export { streamContactIdsByTag, countSegment } from './segments/evaluate.ts';
export type { SegmentDefinition } from './segments/definition.ts';
export type { Condition } from './segments/conditions.ts';
export { CONTACT_LIMITS } from './limits.ts';
