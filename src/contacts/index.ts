/** The contacts module's services (other modules use these, never the contacts table). */
export type { Contact } from './contact.ts';
export { findContactByPhone, getContact } from './find-contact.ts';
export { parsePhoneInput, parseWaId, type ParsedPhone, type PhoneInput } from './phone.ts';
export { upsertContactForSend, upsertContactFromInbound, type UpsertContactForSendInput, type UpsertContactFromInboundInput } from './upsert-contact.ts';
