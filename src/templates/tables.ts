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
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    templates: TemplatesTable;
  }
}
