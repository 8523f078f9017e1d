/**
 * Campaigns: broadcasts (a template to an audience), API campaigns (`PublicAPI`: a label that
 * groups API sends carrying its id) and ongoing campaigns (event-triggered sends). A broadcast's
 * audience is frozen into one row per recipient when it starts; each row keeps the id of the
 * message sent to it, and the recipient's delivery state is read from that message (the status
 * machine is the messaging module's), so nothing here has to follow status webhooks.
 */

/** draft → scheduled → running ⇄ paused → completed; cancelled from any non-final state. */
export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export type CampaignType = 'Broadcast' | 'PublicAPI' | 'Ongoing';

export interface CampaignsTable {
  id: string;
  workspace_id: string;
  name: string;
  type: CampaignType;
  status: CampaignStatus;
  /** Why the campaign is paused or cancelled (an operator, a paused template, …). */
  status_reason: string | null;
  /** business_numbers.id the campaign sends from (null for PublicAPI: API sends name their own). */
  number_id: string | null;
  template_name: string;
  template_language: string;
  /** JSON: the audience definition (audience.ts). */
  audience: string;
  /** JSON: the per-recipient variable mapping (mapping.ts). */
  mapping: string;
  /** JSON: { "<button index>": "https://brand.example/…" } for tracked URL buttons. */
  tracked_links: string;
  /** JSON: { event, windowMs } — the conversion goal, or null. */
  conversion: string | null;
  /** JSON: the trigger of an Ongoing campaign, or null. */
  trigger_def: string | null;
  scheduled_at: number | null;
  started_at: number | null;
  completed_at: number | null;
  /** Freezing the audience: 1 once every recipient row exists. */
  frozen: number;
  /** Where freezing resumes after a restart (audience-specific). */
  freeze_cursor: string | null;
  /** Recipient rows frozen so far (also the next row's seq). */
  recipient_count: number;
  /** Which runner drives the campaign now, until when (scaled-out workers share the table). */
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Phones or CSV rows given at creation, kept until the audience is frozen into recipients. */
export interface CampaignAudienceRowsTable {
  campaign_id: string;
  idx: number;
  /** As given (normalised at freeze time, where an invalid one becomes a skipped recipient). */
  phone: string;
  /** JSON object of the row's other CSV columns, or null. */
  variables: string | null;
}

/**
 * pending (not sent yet) → enqueued (message_id set; its state is the message's), or skipped
 * (with a reason: invalid phone, opted out, variables invalid), or cancelled.
 */
export type RecipientState = 'pending' | 'enqueued' | 'skipped' | 'cancelled';

export interface CampaignRecipientsTable {
  campaign_id: string;
  /** Order of sending within the campaign (0-based). */
  seq: number;
  workspace_id: string;
  /** E.164 digits without '+' (or the raw input when invalid). */
  phone: string;
  contact_id: string | null;
  /** JSON object of per-row values (CSV columns), or null. */
  variables: string | null;
  state: RecipientState;
  skip_reason: string | null;
  message_id: string | null;
  /** Sends tried (a retry of a failed send increments it). */
  attempt: number;
  created_at: number;
  updated_at: number;
}

/** A click on a tracked URL button, or a quick-reply press on a campaign message. */
export interface CampaignClicksTable {
  id: string;
  workspace_id: string;
  campaign_id: string | null;
  message_id: string;
  contact_id: string | null;
  /** CTA (URL button) or QR (quick reply). */
  kind: string;
  button_index: number | null;
  button_text: string | null;
  link: string | null;
  clicked_at: number;
}

/** A recipient who did the campaign's conversion event within its window after the send. */
export interface CampaignConversionsTable {
  campaign_id: string;
  contact_id: string;
  event: string;
  converted_at: number;
}

/** An Ongoing campaign's send waiting for its delay (or stopped by the stop event). */
export interface CampaignTriggersTable {
  id: string;
  campaign_id: string;
  workspace_id: string;
  contact_id: string;
  /** waiting → fired | stopped | skipped */
  state: string;
  reason: string | null;
  triggered_at: number;
  due_at: number;
  updated_at: number;
}

/** Instance-wide values of the module (the click-token signing key). */
export interface CampaignSettingsTable {
  key: string;
  value: string;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    campaigns: CampaignsTable;
    campaign_audience_rows: CampaignAudienceRowsTable;
    campaign_recipients: CampaignRecipientsTable;
    campaign_clicks: CampaignClicksTable;
    campaign_conversions: CampaignConversionsTable;
    campaign_triggers: CampaignTriggersTable;
    campaign_settings: CampaignSettingsTable;
  }
}
