import type { MetaError } from '../channels/whatsapp/types.ts';

/**
 * What the WhatsApp channel reports after parsing one of Meta's webhooks (payloads reference
 * §3.3–3.4), in a provider-neutral shape. The channel's webhook job parses; messaging applies.
 */
export interface StatusUpdate {
  wamid: string;
  /** sent, delivered, read, failed (played is treated as read). */
  status: string;
  /** Meta's status timestamp, ms. */
  occurredAt: number;
  recipient: string;
  /** Samvad's message id echoed back from biz_opaque_callback_data (resolves unknown outcomes). */
  callbackMessageId: string | null;
  errors: MetaError[];
  pricing: { billable?: boolean; pricingModel?: string; type?: string; category?: string } | null;
  conversation: { id?: string; originType?: string; expiresAt?: number } | null;
}

export interface InboundMessage {
  wamid: string;
  /** Sender wa_id. */
  from: string;
  profileName: string | null;
  occurredAt: number;
  /** Meta's type: text, image, audio, video, document, sticker, location, contacts, interactive, button, order, reaction, system, referral-bearing text, unsupported, ... */
  type: string;
  /** The message object as Meta sent it (minus from/id/timestamp), kept as content. */
  content: Record<string, unknown>;
  /** wamid of the message this one replies to (context.id), e.g. a button reply. */
  contextWamid: string | null;
  /** Click-to-WhatsApp ad referral: opens a 72-hour free entry point window. */
  referral: Record<string, unknown> | null;
  /** Media kept by Samvad (downloaded by the channel before this is applied). */
  media: { mediaId: string; storedKey: string; mimeType: string; sha256?: string; fileName?: string } | null;
}
