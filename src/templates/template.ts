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
  updatedAt: number;
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
    updatedAt: Number(row.updated_at),
  };
}
