import type { OutboundSend } from '../../messaging/content.ts';

/**
 * The contract between Samvad and the Cloud API adapter (channels/whatsapp), the only code that
 * speaks to Meta (or the emulator). Every answer is classified so the dispatcher knows what to do.
 */

/** A connected number with its secrets decrypted, as the adapter needs it. */
export interface NumberCredentials {
  /** business_numbers.id */
  id: string;
  workspaceId: string;
  phoneNumberId: string;
  wabaId: string;
  businessId: string;
  /** e.g. https://graph.facebook.com/v21.0 (no trailing slash). */
  graphBaseUrl: string;
  accessToken: string;
}

export interface MetaError {
  code: number;
  title: string;
  message?: string;
  details?: string;
  subcode?: number;
  fbtraceId?: string;
  httpStatus?: number;
}

export type SendOutcome =
  /** Meta accepted the message: keep the wamid. */
  | { kind: 'accepted'; wamid: string }
  /** Throttling or transient (130429, 131056, 131000, 131016, 131057, 5xx, connection failed before the body was written): retry with backoff. */
  | { kind: 'retryable'; error: MetaError; retryAfterMs?: number }
  /** Timeout or reset after the body was written: Meta may have it. Never resent automatically. */
  | { kind: 'unknown'; error: MetaError }
  /** Account-level (190, 0, 10, 131031, 368, 131042, 133010): pause the number's dispatch and alert. */
  | { kind: 'account'; error: MetaError }
  /** Terminal for this message: everything else, with Meta's code, title and details. */
  | { kind: 'terminal'; error: MetaError };

export interface WhatsAppChannel {
  send(number: NumberCredentials, send: OutboundSend): Promise<SendOutcome>;
  /** GET /{phone-number-id} with display_phone_number, verified_name, quality_rating, throughput, messaging limit. */
  getPhoneNumber(number: NumberCredentials): Promise<PhoneNumberInfo>;
  /** All templates of the number's WABA (follows paging). */
  listTemplates(number: NumberCredentials): Promise<ProviderTemplate[]>;
  /** Downloads inbound media by id (Meta's URLs expire; Samvad keeps the bytes). */
  downloadMedia(number: NumberCredentials, mediaId: string): Promise<{ bytes: Buffer; mimeType: string; sha256?: string }>;
  /** Uploads media for sending by id. */
  uploadMedia(number: NumberCredentials, file: { bytes: Buffer; mimeType: string; fileName?: string }): Promise<{ id: string }>;
  close(): Promise<void>;
}

export interface PhoneNumberInfo {
  id: string;
  displayPhoneNumber: string;
  verifiedName: string | null;
  qualityRating: string | null;
  throughputLevel: string | null;
  messagingLimitTier: string | null;
}

export interface ProviderTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  components: unknown[];
  parameterFormat?: string;
  qualityScore?: string | null;
  rejectedReason?: string | null;
}
