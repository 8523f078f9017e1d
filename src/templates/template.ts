import type { TemplatesTable } from './tables.ts';

/** A component of a template as Meta defines it (HEADER, BODY, FOOTER, BUTTONS, CAROUSEL, …). */
export interface TemplateComponentDef {
  type: string;
  format?: string;
  text?: string;
  buttons?: TemplateButtonDef[];
  cards?: { components: TemplateComponentDef[] }[];
  [key: string]: unknown;
}

export interface TemplateButtonDef {
  type: string;
  text?: string;
  url?: string;
  otp_type?: string;
  [key: string]: unknown;
}

export interface Template {
  id: string;
  workspaceId: string;
  wabaId: string;
  providerTemplateId: string | null;
  name: string;
  language: string;
  /** MARKETING, UTILITY, AUTHENTICATION (upper case). */
  category: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … (upper case). */
  status: string;
  components: TemplateComponentDef[];
  /** 'positional' or 'named'. */
  parameterFormat: 'positional' | 'named';
  qualityScore: string | null;
  rejectedReason: string | null;
  /** Meta's rejection_info {reason, recommendation} (INVALID_FORMAT rejections). */
  rejectionInfo: { reason?: string; recommendation?: string } | null;
  /** The last lifecycle event's extra (other_info: FIRST_PAUSE / SECOND_PAUSE / UNPAUSE / DISABLED …, disable_info). */
  statusDetail: Record<string, unknown> | null;
  statusChangedAt: number | null;
  disabledAt: number | null;
  subCategory: string | null;
  ttlSeconds: number | null;
  headerMediaUrl: string | null;
  headerMediaFileName: string | null;
  displayName: string | null;
  /** 'samvad' (created here) or 'sync' (imported from Meta). */
  source: string;
  /**
   * Tracked URL buttons: button index → the brand's real link. The button's URL is
   * SAMVAD_PUBLIC_URL/r/{{1}}; every send fills {{1}} with a signed click token (tracked-links.ts).
   */
  trackedLinks: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function toTemplate(row: TemplatesTable): Template {
  let components: TemplateComponentDef[] = [];
  try {
    const parsed = JSON.parse(row.components) as unknown;
    if (Array.isArray(parsed)) components = parsed as TemplateComponentDef[];
  } catch {
    // A malformed stored definition sends as a template without variables; the provider refuses it if wrong.
  }
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    wabaId: row.waba_id,
    providerTemplateId: row.provider_template_id,
    name: row.name,
    language: row.language,
    category: row.category.toUpperCase(),
    status: row.status.toUpperCase(),
    components,
    parameterFormat: row.parameter_format.toLowerCase() === 'named' ? 'named' : 'positional',
    qualityScore: row.quality_score,
    rejectedReason: row.rejected_reason,
    rejectionInfo: parseJson(row.rejection_info ?? null),
    statusDetail: parseJson(row.status_detail ?? null),
    statusChangedAt: row.status_changed_at === null || row.status_changed_at === undefined ? null : Number(row.status_changed_at),
    disabledAt: row.disabled_at === null || row.disabled_at === undefined ? null : Number(row.disabled_at),
    subCategory: row.sub_category ?? null,
    ttlSeconds: row.ttl_seconds === null || row.ttl_seconds === undefined ? null : Number(row.ttl_seconds),
    headerMediaUrl: row.header_media_url ?? null,
    headerMediaFileName: row.header_media_file_name ?? null,
    displayName: row.display_name ?? null,
    source: row.source ?? 'sync',
    trackedLinks: parseJson<Record<string, string>>(row.tracked_links ?? null) ?? {},
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
