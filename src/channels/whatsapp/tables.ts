/**
 * WhatsApp business numbers connected to a workspace, and Meta's webhooks as received.
 * Secrets (access token, app secret, verify token) are stored encrypted and never returned by an
 * API or written to a log.
 */
export interface BusinessNumbersTable {
  id: string;
  workspace_id: string;
  /** Meta's phone-number id (the Graph path segment). Unique across the instance. */
  phone_number_id: string;
  waba_id: string;
  /** The business portfolio (Business Manager) id: the messaging-limit budget is per portfolio. */
  business_id: string;
  display_phone_number: string;
  verified_name: string | null;
  /** e.g. 'https://graph.facebook.com/v21.0' or the sandbox emulator's '/graph/v21.0' URL. */
  graph_base_url: string;
  access_token_enc: string;
  app_secret_enc: string;
  verify_token_enc: string;
  /** Messages per second allowed by Meta for this number (80 default, up to 1000). */
  throughput_mps: number;
  /** Meta's tier: TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED. */
  messaging_limit_tier: string;
  quality_rating: string | null;
  is_default: number;
  /** Connected to the in-process emulator in sandbox mode. */
  is_sandbox: number;
  /** Set when an account-level error paused dispatch; cleared when an operator resumes. */
  dispatch_paused_at: number | null;
  dispatch_pause_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** Meta's webhook POSTs, stored raw before they are acknowledged, processed by a job. */
export interface RawWebhooksTable {
  id: string;
  /** Set once the body is attributed to a connected number. */
  number_id: string | null;
  workspace_id: string | null;
  received_at: number;
  /** The exact bytes received, as UTF-8 text. */
  body: string;
  processed_at: number | null;
  /** JSON array of business_numbers.id whose app secret verified the signature (migration 0031). */
  verified_number_ids: string | null;
}

/** Inbound media downloaded from Meta and kept in the MediaStore (one row per number and media id). */
export interface WhatsAppMediaTable {
  id: string;
  workspace_id: string;
  number_id: string;
  /** Meta's media id (expires at Meta after 7 days for inbound media). */
  media_id: string;
  /** MediaStore key. */
  stored_key: string;
  mime_type: string;
  sha256: string | null;
  size_bytes: number;
  created_at: number;
}

declare module '../../platform/db/tables.ts' {
  interface Tables {
    business_numbers: BusinessNumbersTable;
    raw_webhooks: RawWebhooksTable;
    whatsapp_media: WhatsAppMediaTable;
  }
}
