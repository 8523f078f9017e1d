/**
 * Message templates as known in a WABA (minimal for the sending issue: synced from the provider
 * so sends can be checked locally; the templates issue adds creation, review and the lifecycle).
 */
export interface TemplatesTable {
  id: string;
  workspace_id: string;
  waba_id: string;
  /** Meta's template id. */
  provider_template_id: string | null;
  name: string;
  /** Meta language code: 'en', 'en_US', 'hi'. */
  language: string;
  /** MARKETING, UTILITY, AUTHENTICATION. */
  category: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ... */
  status: string;
  /** JSON array of Meta's components (HEADER, BODY, FOOTER, BUTTONS, CAROUSEL). */
  components: string;
  /** 'positional' or 'named'. */
  parameter_format: string;
  quality_score: string | null;
  rejected_reason: string | null;
  created_at: number;
  updated_at: number;
  sub_category: string | null;
  ttl_seconds: number | null;
  /** JSON: Meta's rejection_info {reason, recommendation}. */
  rejection_info: string | null;
  /** JSON: the last event's other_info / disable_info. */
  status_detail: string | null;
  status_changed_at: number | null;
  disabled_at: number | null;
  header_media_url: string | null;
  header_media_file_name: string | null;
  display_name: string | null;
  /** 'samvad' | 'sync' */
  source: string | null;
  /** JSON { "<button index>": brand link } of tracked URL buttons (…/r/{{1}}), or null. */
  tracked_links?: string | null;
}

/** Meta's lifecycle events of a template (status webhooks, quality and category updates). */
export interface TemplateEventsTable {
  id: string;
  workspace_id: string;
  template_id: string;
  /** 1, 2, 3, … per template: the order Samvad applied them. */
  seq: number;
  /** The webhook's event (APPROVED, REJECTED, PAUSED, DISABLED, FLAGGED, …) or QUALITY_UPDATE / CATEGORY_UPDATE. */
  event: string;
  /** The template's status after the event. */
  status: string;
  reason: string | null;
  quality_score: string | null;
  /** JSON: other_info, disable_info, rejection_info, previous/new category. */
  detail: string | null;
  at: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    templates: TemplatesTable;
    template_events: TemplateEventsTable;
  }
}
